// Page 2: the PC/SC service, the readers and the cards, live: a ReaderWatch reports
// readers and cards as pcscd sees them (within a second), and every change re-runs the
// engine's PC/SC checks for their status and remedy, and reads the card itself
// (card.contents: holder kind and validity, before any middleware is installed).
#include <map>

#include <wx/listctrl.h>
#include <wx/sizer.h>
#include <wx/stattext.h>

#include "app/gui/accessible.h"
#include "app/gui/engine_glue.h"
#include "app/gui/i18n.h"
#include "app/gui/results_view.h"
#include "app/gui/wizard_frame.h"
#include "app/gui/wrap_text.h"
#include "assets/assets.h"
#include "checks/card/checks.h"
#include "checks/core/runner.h"
#include "checks/pcsc/card_identity.h"
#include "checks/pcsc/checks.h"
#include "checks/pcsc/reader_watch.h"

namespace certwiz::gui {
namespace {

class EnvironmentPage : public WizardPage {
 public:
  EnvironmentPage(wxWindow* parent, WizardFrame& frame) : WizardPage(parent, frame, PageId::environment) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    service_ = new WrapText(this, _("Connecting to the smart card service..."), "env_service");
    s->Add(service_, 0, wxEXPAND | wxBOTTOM, FromDIP(8));
    auto* rl = new wxStaticText(this, wxID_ANY, _("Card readers (updated as you insert or remove a card):"));
    s->Add(rl, 0, wxBOTTOM, FromDIP(4));
    readers_ = new wxListCtrl(this, wxID_ANY, wxDefaultPosition, FromDIP(wxSize(-1, 170)),
                              wxLC_REPORT | wxLC_SINGLE_SEL | wxBORDER_THEME);
    readers_->SetName("env_readers");
    set_accessible_name(readers_, _("Card readers"));
    // Widths in characters of the list's font, so they grow with font scaling too.
    const int em = readers_->GetCharWidth();
    readers_->AppendColumn(_("Reader"), wxLIST_FORMAT_LEFT, em * 40);
    readers_->AppendColumn(_("Card"), wxLIST_FORMAT_LEFT, em * 76);
    // The list scrolls sideways itself: its columns must not widen the page.
    readers_->SetMinSize(wxSize(em * 30, FromDIP(170)));
    s->Add(readers_, 0, wxEXPAND | wxBOTTOM, FromDIP(10));
    auto* cl = new wxStaticText(this, wxID_ANY, _("Checks:"));
    s->Add(cl, 0, wxBOTTOM, FromDIP(4));
    checks_ = new ResultsView(this, "env_checks");
    s->Add(checks_, 1, wxEXPAND);
    SetSizer(s);
    if (auto t = pcsc::TaiwanAtrTable::load(asset_path("atr/taiwan.json"))) table_ = std::move(*t);
  }
  ~EnvironmentPage() override { left(); }

  wxString title() const override { return _("Card reader and card"); }
  wxString intro() const override {
    return _("The smart card service (PC/SC), your card readers and the card. Insert or remove the card: this page "
             "follows within a second.");
  }

  void entered() override {
    if (watch_) return;
    readers_->DeleteAllItems();
    Background& bg = frame_.bg();
    watch_ = std::make_unique<pcsc::ReaderWatch>([&bg, this](const pcsc::ReaderEvent& e) {
      bg.post([this, e] { on_event(e); });
    });
    auto started = watch_->start();
    if (!started) {
      service_->SetLabel(wxString::FromUTF8("✘ ") + tr(started.error().cause()) + "  " + tr(started.error().remedy()));
      service_->SetForegroundColour(status_colour(Status::fail));
      watch_.reset();
    } else {
      service_->SetLabel(wxString::FromUTF8("✔ ") + _("The smart card service is running."));
      service_->SetForegroundColour(status_colour(Status::pass));
    }
    rerun_checks();
  }
  void left() override {
    if (watch_) watch_->stop();
    watch_.reset();
  }
  bool can_advance() const override { return !running_; }

 private:
  long row_for(const std::string& reader) {
    for (long i = 0; i < readers_->GetItemCount(); ++i)
      if (to_u8(readers_->GetItemText(i, 0)) == reader) return i;
    return readers_->InsertItem(readers_->GetItemCount(), u8(reader));
  }

  wxString describe(const pcsc::Bytes& atr) {
    if (!table_) return _("Card inserted");
    auto decoded = pcsc::decode_atr(atr);
    const pcsc::CardIdentity id = pcsc::identify_card(atr, decoded ? &*decoded : nullptr, *table_, nullptr);
    const wxString name = id.name.empty() ? _("a card this wizard does not know") : tr(id.name);
    return wxString::FromUTF8("✔ ") + _("Card inserted: ") + name + "  [" + u8(pcsc::hex_spaced(atr)) + "]";
  }

  void on_event(const pcsc::ReaderEvent& e) {
    using K = pcsc::ReaderEvent::Kind;
    ++events_;
    switch (e.kind) {
      case K::reader_added: {
        const long row = row_for(e.reader);
        readers_->SetItem(row, 1, _("No card"));
        break;
      }
      case K::reader_removed: {
        const long row = row_for(e.reader);
        readers_->DeleteItem(row);
        break;
      }
      case K::card_inserted: {
        const long row = row_for(e.reader);
        atr_text_[e.reader] = describe(e.atr);
        readers_->SetItem(row, 1, atr_text_[e.reader]);
        readers_->SetItemTextColour(row, status_colour(Status::pass));
        break;
      }
      case K::card_removed: {
        atr_text_.erase(e.reader);
        const long row = row_for(e.reader);
        readers_->SetItem(row, 1, _("No card"));
        readers_->SetItemTextColour(row, *wxBLACK);
        break;
      }
      case K::card_mute: {
        const long row = row_for(e.reader);
        readers_->SetItem(row, 1, wxString::FromUTF8("✘ ") + _("The card does not answer: take it out and insert it again."));
        readers_->SetItemTextColour(row, status_colour(Status::fail));
        break;
      }
      case K::service_lost:
        service_->SetLabel(wxString::FromUTF8("✘ ") + _("The smart card service stopped; waiting for it to come back."));
        service_->SetForegroundColour(status_colour(Status::fail));
        break;
      case K::service_back:
        service_->SetLabel(wxString::FromUTF8("✔ ") + _("The smart card service is running."));
        service_->SetForegroundColour(status_colour(Status::pass));
        break;
    }
    // Initial snapshot events come in a burst: the checks run once for all of them.
    if (!e.initial) rerun_checks();
  }

  void rerun_checks() {
    if (running_) {
      rerun_ = true;
      return;
    }
    running_ = true;
    rerun_ = false;
    frame_.refresh_nav();
    std::vector<Check> checks = pcsc::pcsc_checks(frame_.state().run);
    checks.push_back(card::card_checks(frame_.state().run).front());  // card.contents
    CheckRun cb;
    cb.on_finished = [this](const CheckResult& r) { checks_->show(r); };
    cb.on_done = [this](const std::vector<CheckResult>& results) {
      for (const auto& r : results) checks_->show(r);
      for (const auto& r : results)
        if (r.id == card::kContentsCheckId) show_card_contents(r);
      running_ = false;
      ++runs_;
      if (std::find(frame_.state().steps_done.begin(), frame_.state().steps_done.end(), "environment") ==
          frame_.state().steps_done.end())
        frame_.state().steps_done.push_back("environment");
      frame_.refresh_nav();
      if (rerun_) rerun_checks();
    };
    run_checks_async(frame_, std::move(checks), std::move(cb));
  }

  // Each card's row: what the ATR says, then what the card itself holds (holder kind,
  // name and validity from its SIGN certificate, or why it could not be read).
  void show_card_contents(const CheckResult& r) {
    const auto* readings = r.model<card::CardReadings>();
    if (!readings) return;
    for (const auto& c : readings->cards) {
      const std::string& reader = c.read.reader;
      auto atr = atr_text_.find(reader);
      if (reader.empty() || atr == atr_text_.end()) continue;  // removed since
      wxString line;
      Status st = Status::pass;
      if (!c.holder.summary.empty()) {
        line = tr(c.holder.summary);
        if (!c.holder.valid_now) st = Status::fail;
      } else if (const FailureCode* code = c.read.contents ? nullptr : find_failure_code(c.read.contents.error().code)) {
        line = wxString::FromUTF8("✘ ") + tr(code->cause());
        st = Status::fail;
      } else {
        continue;
      }
      const long row = row_for(reader);
      readers_->SetItem(row, 1, atr->second + "  —  " + line);
      readers_->SetItemTextColour(row, status_colour(st));
    }
  }

  wxStaticText* service_;
  std::map<std::string, wxString> atr_text_;  // reader → what its card's ATR says
  wxListCtrl* readers_;
  ResultsView* checks_;
  std::unique_ptr<pcsc::ReaderWatch> watch_;
  std::optional<pcsc::TaiwanAtrTable> table_;
  bool running_ = false;
  bool rerun_ = false;
  int events_ = 0;
  int runs_ = 0;
};

}  // namespace

WizardPage* make_environment_page(wxWindow* parent, WizardFrame& frame) { return new EnvironmentPage(parent, frame); }

}  // namespace certwiz::gui

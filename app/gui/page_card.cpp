// Page 4: the card: its certificates (holder, issuer, valid until, status from the
// engine's certificate checks), then the PIN dialog and the card self-tests with a
// result per step. The PIN goes into the engine's RunOptions for this one run only.
#include <wx/button.h>
#include <wx/choice.h>
#include <wx/listctrl.h>
#include <wx/sizer.h>
#include <wx/stattext.h>

#include "app/gui/engine_glue.h"
#include "app/gui/accessible.h"
#include "app/gui/i18n.h"
#include "app/gui/pin_dialog.h"
#include "app/gui/results_view.h"
#include "checks/cert/findings.h"
#include "checks/diagnose/diagnose.h"
#include "checks/pkcs11/checks.h"
#include "checks/pkcs11/token.h"

namespace certwiz::gui {
namespace {

struct CardRow {
  std::string reader, holder;
  cert::CardKind kind = cert::CardKind::unknown;
  pkcs11::Token token;                // the card as pkcs11.tokens read it
};

class CardPage : public WizardPage {
 public:
  CardPage(wxWindow* parent, WizardFrame& frame) : WizardPage(parent, frame, PageId::card) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    auto* pick = new wxBoxSizer(wxHORIZONTAL);
    pick->Add(new wxStaticText(this, wxID_ANY, _("C&ard to test:")), 0, wxALIGN_CENTER_VERTICAL | wxRIGHT, FromDIP(8));
    choice_ = new wxChoice(this, wxID_ANY);
    choice_->SetName("card_choice");
    set_accessible_name(choice_, _("Card to test"));
    // As wide as the row allows, and no wider than the page (long card descriptions).
    choice_->SetMinSize(wxSize(GetCharWidth() * 24, -1));
    pick->Add(choice_, 1, wxRIGHT, FromDIP(8));
    recheck_ = new wxButton(this, wxID_ANY, _("Read the cards a&gain"));
    recheck_->SetName("card_recheck");
    pick->Add(recheck_, 0);
    s->Add(pick, 0, wxEXPAND | wxBOTTOM, FromDIP(8));

    s->Add(new wxStaticText(this, wxID_ANY, _("Certificates on the cards:")), 0, wxBOTTOM, FromDIP(4));
    certs_ = new wxListCtrl(this, wxID_ANY, wxDefaultPosition, FromDIP(wxSize(-1, 130)),
                            wxLC_REPORT | wxLC_SINGLE_SEL | wxBORDER_THEME);
    certs_->SetName("card_certificates");
    set_accessible_name(certs_, _("Certificates on the cards"));
    const int em = certs_->GetCharWidth();
    certs_->AppendColumn(_("Holder"), wxLIST_FORMAT_LEFT, em * 24);
    certs_->AppendColumn(_("Use"), wxLIST_FORMAT_LEFT, em * 11);
    certs_->AppendColumn(_("Issuer"), wxLIST_FORMAT_LEFT, em * 32);
    certs_->AppendColumn(_("Valid until"), wxLIST_FORMAT_LEFT, em * 13);
    certs_->AppendColumn(_("Status"), wxLIST_FORMAT_LEFT, em * 40);
    // The list scrolls sideways itself: its columns must not widen the page.
    certs_->SetMinSize(wxSize(em * 30, FromDIP(130)));
    s->Add(certs_, 0, wxEXPAND | wxBOTTOM, FromDIP(8));

    pin_ = new wxButton(this, wxID_ANY, _("Enter the &PIN and test the card..."));
    pin_->SetName("card_pin_button");
    pin_->Disable();
    s->Add(pin_, 0, wxBOTTOM, FromDIP(8));
    s->Add(new wxStaticText(this, wxID_ANY, _("Self-tests:")), 0, wxBOTTOM, FromDIP(4));
    tests_ = new ResultsView(this, "card_selftests");
    s->Add(tests_, 1, wxEXPAND);
    SetSizer(s);
    recheck_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { read_cards(); });
    pin_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { ask_pin_and_test(); });
    choice_->Bind(wxEVT_CHOICE, [this](wxCommandEvent&) { chose(); });
  }
  wxString title() const override { return _("Card check"); }
  wxString intro() const override {
    return _("The certificates on your card, then a test of the card itself: the PIN, signing, decryption and the "
             "login signature. The PIN is sent to the card only.");
  }
  void entered() override {
    if (!read_once_) read_cards();
  }
  bool can_advance() const override { return !running_; }

 private:
  void read_cards() {
    if (running_) return;
    running_ = true;
    pin_->Disable();
    certs_->DeleteAllItems();
    frame_.set_status(_("Reading the cards..."));
    frame_.refresh_nav();
    auto checks = select_checks(diagnose_checks(frame_.state().run), {"pkcs11.", "cert."});
    CheckRun cb;
    cb.on_done = [this](const std::vector<CheckResult>&) {
      running_ = false;
      read_once_ = true;
      fill();
      frame_.set_status(wxString());
      frame_.refresh_nav();
    };
    run_checks_async(frame_, std::move(checks), std::move(cb));
  }

  // Certificate rows: one per card and use, from the certificate checks' findings.
  void fill() {
    const WizardState& st = frame_.state();
    rows_.clear();
    choice_->Clear();
    certs_->DeleteAllItems();
    const CheckResult* tokens = st.result("pkcs11.tokens");
    if (const auto* inventory = tokens ? tokens->model<pkcs11::TokenInventory>() : nullptr)
      for (const auto& t : inventory->tokens) rows_.push_back({t.reader, "", cert::CardKind::unknown, t});
    const auto lines = cert::card_certificates([&st](const std::string& id) { return st.result(id); });
    for (const auto& c : lines) {
      const bool sign = c.role == cert::CardCertRole::sign;
      const long row = certs_->InsertItem(certs_->GetItemCount(), u8(c.holder_name));
      certs_->SetItem(row, 1, sign ? _("Signing") : _("Encryption"));
      certs_->SetItem(row, 2, u8(c.issuer));
      certs_->SetItem(row, 3, u8(c.valid_until));
      certs_->SetItem(row, 4, status_label(c.status) + "  " + u8(c.reader));
      certs_->SetItemTextColour(row, status_colour(c.status));
      if (sign)
        for (auto& cr : rows_)
          if (cr.reader == c.reader) {
            cr.holder = c.holder_name;
            cr.kind = c.card_kind;
          }
    }
    const cert::CardKind wanted = st.card == CardChoice::business ? cert::CardKind::business : cert::CardKind::citizen;
    int select = -1;
    for (size_t i = 0; i < rows_.size(); ++i) {
      choice_->Append(u8(rows_[i].holder.empty() ? rows_[i].token.label : rows_[i].holder) + wxString::FromUTF8("  —  ") +
                      u8(rows_[i].reader));
      if (rows_[i].kind == wanted && select < 0) select = static_cast<int>(i);
    }
    if (select < 0 && !rows_.empty()) select = 0;
    if (select >= 0) choice_->SetSelection(select);
    chose();
    if (rows_.empty() && tokens) frame_.set_status(tr(tokens->summary) + "  " + tr(tokens->remedy));
  }

  void chose() {
    const int i = choice_->GetSelection();
    pin_->Enable(i != wxNOT_FOUND && !running_);
    if (i == wxNOT_FOUND) return;
    frame_.state().card_reader = rows_[static_cast<size_t>(i)].reader;
    frame_.state().card_holder = rows_[static_cast<size_t>(i)].holder;
  }

  void ask_pin_and_test() {
    const int i = choice_->GetSelection();
    if (i == wxNOT_FOUND || running_) return;
    const CardRow& row = rows_[static_cast<size_t>(i)];
    const PinDialogInfo info = pin_info_for(&row.token, row.reader, u8(row.holder));
    std::shared_ptr<const Secret> pin;
    bool confirmed = false;
    {
      PinDialog dlg(this, info);
      if (dlg.ShowModal() != wxID_OK) return;
      pin = dlg.take_pin();
      confirmed = dlg.final_try_confirmed();
    }
    if (!pin) return;
    RunOptions o = frame_.state().run;
    o.pin = std::move(pin);
    o.reader = row.reader;
    o.confirm_final_try = confirmed;
    auto module_host = pkcs11::share_module_host(o);  // one host for every check of the run, as in `certwiz selftest`
    auto checks = pkcs11::pkcs11_checks(o, module_host);
    for (auto& c : pkcs11::selftest_checks(o, module_host)) checks.push_back(std::move(c));
    o.pin.reset();  // the checks hold the only references; they go when the run ends
    running_ = true;
    pin_->Disable();
    tests_->clear_rows();
    frame_.set_status(_("Testing the card..."));
    frame_.refresh_nav();
    CheckRun cb;
    cb.on_started = [this](const std::string& id, const Text& t) {
      if (id.rfind("selftest.", 0) == 0) tests_->running(id, t);
    };
    cb.on_finished = [this](const CheckResult& r) {
      if (r.id.rfind("selftest.", 0) == 0) tests_->show(r);
    };
    cb.on_done = [this](const std::vector<CheckResult>& rs) {
      running_ = false;
      bool all_passed = true;
      for (const auto& r : rs)
        if (r.id.rfind("selftest.", 0) == 0) {
          tests_->show(r);
          all_passed = all_passed && r.status == Status::pass;
        }
      if (all_passed) {
        auto& done = frame_.state().steps_done;
        if (std::find(done.begin(), done.end(), "card") == done.end()) done.push_back("card");
      }
      frame_.set_status(all_passed ? _("The card passed every self-test.") : _("Some self-tests did not pass; see the table."));
      chose();
      frame_.refresh_nav();
    };
    run_checks_async(frame_, std::move(checks), std::move(cb));
  }

  wxChoice* choice_;
  wxButton* recheck_;
  wxListCtrl* certs_;
  wxButton* pin_;
  ResultsView* tests_;
  std::vector<CardRow> rows_;
  bool running_ = false;
  bool read_once_ = false;
};

}  // namespace

WizardPage* make_card_page(wxWindow* parent, WizardFrame& frame) { return new CardPage(parent, frame); }

}  // namespace certwiz::gui

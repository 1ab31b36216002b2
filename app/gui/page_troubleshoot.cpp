// Troubleshooting: every check of a diagnosis at once (the same list as `certwiz
// diagnose`), one table of status, failure code and remedy, and the report export. The
// same page shows a saved report that a helpdesk opened.
#include <wx/button.h>
#include <wx/gauge.h>
#include <wx/sizer.h>
#include <wx/stattext.h>

#include "app/gui/engine_glue.h"
#include "app/gui/i18n.h"
#include "app/gui/results_view.h"
#include "app/gui/wrap_text.h"
#include "checks/diagnose/diagnose.h"
#include "checks/report/digest.h"

namespace certwiz::gui {

class TroubleshootPage : public WizardPage {
 public:
  TroubleshootPage(wxWindow* parent, WizardFrame& frame) : WizardPage(parent, frame, PageId::troubleshoot) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    source_ = new WrapText(this, wxString(), "troubleshoot_source");
    s->Add(source_, 0, wxEXPAND | wxBOTTOM, FromDIP(6));
    gauge_ = new wxGauge(this, wxID_ANY, 100);
    gauge_->SetName("troubleshoot_progress");
    s->Add(gauge_, 0, wxEXPAND | wxBOTTOM, FromDIP(6));
    table_ = new ResultsView(this, "troubleshoot_results");
    s->Add(table_, 1, wxEXPAND | wxBOTTOM, FromDIP(8));
    next_ = new WrapText(this, wxString(), "troubleshoot_next");
    next_->SetFont(ui_font(1, true));
    s->Add(next_, 0, wxEXPAND | wxBOTTOM, FromDIP(8));
    auto* row = new wxBoxSizer(wxHORIZONTAL);
    rerun_ = new wxButton(this, wxID_ANY, _("Check &again"));
    rerun_->SetName("troubleshoot_rerun");
    cancel_ = new wxButton(this, wxID_ANY, _("C&ancel"));
    cancel_->SetName("troubleshoot_cancel");
    export_ = new wxButton(this, wxID_ANY, _("&Export the report..."));
    export_->SetName("troubleshoot_export");
    row->Add(rerun_, 0, wxRIGHT, FromDIP(8));
    row->Add(cancel_, 0, wxRIGHT, FromDIP(8));
    row->Add(export_, 0, wxRIGHT, FromDIP(8));
    exported_ = new WrapText(this, wxString(), "troubleshoot_exported");
    row->Add(exported_, 1, wxALIGN_CENTER_VERTICAL);
    s->Add(row, 0, wxEXPAND);
    SetSizer(s);
    rerun_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { run(); });
    cancel_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { cancel_token_.cancel(); });
    export_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
      // A saved report is exported as it was read; a live run as the session's report.
      frame_.export_report(saved_ ? *saved_ : frame_.state().report(), export_, exported_);
    });
  }
  wxString title() const override { return _("Troubleshooting"); }
  wxString intro() const override {
    return _("Every check at once: the smart card service, readers, card, card tool, certificates, signing "
             "component and network. Each problem has its failure code and what to do.");
  }
  void entered() override {
    if (!saved_ && !ran_) run();
  }
  bool can_advance() const override { return !running_; }

  void show_saved(const Report& r, const wxString& from) {
    cancel_token_.cancel();
    saved_ = r;
    table_->clear_rows();
    for (const auto& c : r.results) table_->show(c);
    source_->SetLabel(_("Report file: ") + from + "   " + u8(r.created_at) + "   certwiz " + u8(r.tool_version) + "   " +
                      (r.redacted ? _("personal data removed") : _("NOT redacted: contains personal data")));
    gauge_->SetValue(gauge_->GetRange());
    rerun_->Disable();
    cancel_->Disable();
    show_next(r);
  }

 private:
  void show_next(const Report& r) {
    const auto d = certwiz::report::digest(r);
    if (d.next) {
      next_->SetLabel(next_step(*d.next));
      next_->SetForegroundColour(status_colour(d.next->status));
    } else {
      next_->SetLabel(wxString::FromUTF8("✔ ") + _("Everything that was checked works."));
      next_->SetForegroundColour(status_colour(Status::pass));
    }
    Layout();
  }

  void run() {
    if (running_ || saved_) return;
    running_ = true;
    ran_ = true;
    table_->clear_rows();
    next_->SetLabel(wxString());
    auto checks = diagnose_checks(frame_.state().run);
    gauge_->SetRange(static_cast<int>(checks.size()));
    gauge_->SetValue(0);
    source_->SetLabel(wxString::Format(_("Running %zu checks..."), checks.size()));
    rerun_->Disable();
    cancel_->Enable();
    frame_.refresh_nav();
    CheckRun cb;
    cb.on_started = [this](const std::string& id, const Text& t) { table_->running(id, t); };
    cb.on_finished = [this](const CheckResult& r) {
      table_->show(r);
      gauge_->SetValue(std::min(gauge_->GetRange(), gauge_->GetValue() + 1));
    };
    cb.on_done = [this](const std::vector<CheckResult>& rs) {
      for (const auto& r : rs) table_->show(r);
      running_ = false;
      gauge_->SetValue(gauge_->GetRange());
      rerun_->Enable();
      cancel_->Disable();
      source_->SetLabel(wxString::Format(_("%zu checks run."), rs.size()));
      show_next(frame_.state().report());
      frame_.refresh_nav();
    };
    cancel_token_ = run_checks_async(frame_, std::move(checks), std::move(cb));
  }

  wxStaticText* source_;
  wxGauge* gauge_;
  ResultsView* table_;
  wxStaticText* next_;
  wxButton* rerun_;
  wxButton* cancel_;
  wxButton* export_;
  wxStaticText* exported_;
  CancelToken cancel_token_;
  std::optional<Report> saved_;
  bool running_ = false;
  bool ran_ = false;
};

WizardPage* make_troubleshoot_page(wxWindow* parent, WizardFrame& frame) { return new TroubleshootPage(parent, frame); }

void show_saved_report(WizardPage* page, const Report& report, const wxString& source) {
  if (auto* t = dynamic_cast<TroubleshootPage*>(page)) t->show_saved(report, source);
}

}  // namespace certwiz::gui

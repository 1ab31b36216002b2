// Page 8: what was done, what still needs doing (the engine's digest: the remedy of
// the first root failure), and the report export. It never calls the setup complete
// while a step is not done or any check failed or warned: one sentence then names
// what is still missing. A step whose outcome one check decides (the components: HiCOS
// installed) is done only when that check passed, whatever else its page finished.
#include <algorithm>
#include <string>
#include <vector>

#include <wx/button.h>
#include <wx/listctrl.h>
#include <wx/sizer.h>
#include <wx/stattext.h>

#include "app/gui/i18n.h"
#include "app/gui/results_view.h"
#include "app/gui/wizard_frame.h"
#include "app/gui/wrap_text.h"
#include "checks/report/digest.h"

namespace certwiz::gui {
namespace {

const CheckResult* find_result(const Report& report, const std::string& id) {
  for (const auto& r : report.results)
    if (r.id == id) return &r;
  return nullptr;
}

class SummaryPage : public WizardPage {
 public:
  SummaryPage(wxWindow* parent, WizardFrame& frame) : WizardPage(parent, frame, PageId::summary) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    steps_ = new wxListCtrl(this, wxID_ANY, wxDefaultPosition, FromDIP(wxSize(-1, 200)), wxLC_REPORT | wxBORDER_THEME);
    steps_->SetName("summary_steps");
    // Widths in characters of the list's font, so they grow with font scaling too.
    const int em = steps_->GetCharWidth();
    steps_->AppendColumn(_("Step"), wxLIST_FORMAT_LEFT, em * 36);
    steps_->AppendColumn(_("Done"), wxLIST_FORMAT_LEFT, em * 66);
    // The list scrolls sideways itself: its columns must not widen the page.
    steps_->SetMinSize(wxSize(em * 30, FromDIP(200)));
    s->Add(steps_, 0, wxEXPAND | wxBOTTOM, FromDIP(10));
    verdict_ = new WrapText(this, wxString(), "summary_verdict");
    verdict_->SetFont(ui_font(1, true));
    s->Add(verdict_, 0, wxEXPAND | wxBOTTOM, FromDIP(8));
    next_ = new WrapText(this, wxString(), "summary_next");
    s->Add(next_, 0, wxEXPAND | wxBOTTOM, FromDIP(8));
    s->Add(new wxStaticText(this, wxID_ANY, _("Still to do:")), 0, wxBOTTOM, FromDIP(4));
    todo_ = new ResultsView(this, "summary_todo");
    s->Add(todo_, 1, wxEXPAND | wxBOTTOM, FromDIP(8));
    auto* row = new wxBoxSizer(wxHORIZONTAL);
    export_ = new wxButton(this, wxID_ANY, _("&Export the report..."));
    export_->SetName("summary_export");
    row->Add(export_, 0, wxRIGHT, FromDIP(10));
    exported_ = new WrapText(this, wxString(), "summary_exported");
    row->Add(exported_, 1, wxALIGN_CENTER_VERTICAL);
    s->Add(row, 0, wxEXPAND);
    SetSizer(s);
    export_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
      frame_.export_report(frame_.state().report(), export_, exported_);
    });
  }
  wxString title() const override { return _("Summary"); }
  wxString intro() const override {
    return _("What was done, what still needs doing, and a report to keep or send to a helpdesk.");
  }
  void entered() override {
    const WizardState& st = frame_.state();
    const Report report = st.report();
    steps_->DeleteAllItems();
    // A step's rows: the checks its page runs (or records). A step is done only when its
    // page finished its work, and "done" is said only when none of its checks failed or warned.
    const struct {
      const char* key;
      wxString label;
      std::vector<std::string> prefixes;
      const char* required = nullptr;  // the check that must pass for the step to be done
    } steps[] = {{"environment", _("Card reader and card"), {"pcsc.", "card."}},
                 {"components", _("Card tool and signing component"), {"installer.", "pkcs11.module", "localsign."},
                  "installer.status"},
                 {"card", _("Card self-tests passed"), {"selftest.", "cert."}},
                 {"application", _("Application form checked and saved"), {}},
                 {"binding", _("Card bound to the account"), {"site.bind"}},
                 {"login", _("Test login"), {"site.login"}}};
    std::vector<wxString> missing;
    for (const auto& step : steps) {
      const bool done = std::find(st.steps_done.begin(), st.steps_done.end(), step.key) != st.steps_done.end();
      Status worst_seen = Status::pass;
      for (const auto& r : report.results)
        for (const auto& p : step.prefixes)
          if (r.id.rfind(p, 0) == 0 && (r.status == Status::fail || r.status == Status::warn)) worst_seen = worst(worst_seen, r.status);
      const CheckResult* required = step.required ? find_result(report, step.required) : nullptr;
      const long row = steps_->InsertItem(steps_->GetItemCount(), step.label);
      wxString state;
      Status shown = Status::pass;
      if (required && required->status != Status::pass) {
        // e.g. HiCOS not installed: a warning of its check, but the step is not done.
        state = wxString::FromUTF8("✘ ") + wxString::Format(_("Missing: %s"), tr(required->summary));
        shown = Status::fail;
      } else if (worst_seen == Status::fail) {
        state = wxString::FromUTF8("✘ ") + _("Failed");
        shown = Status::fail;
      } else if (worst_seen == Status::warn) {
        state = wxString::FromUTF8("! ") + _("Done, with warnings");
        shown = Status::warn;
      } else if (done) {
        state = wxString::FromUTF8("✔ ") + _("Done");
      } else {
        state = wxString::FromUTF8("– ") + _("Not done yet");
        shown = Status::skipped;
      }
      steps_->SetItem(row, 1, state);
      steps_->SetItemTextColour(row, status_colour(shown));
      // A required check that neither passed nor failed or warned (not run, undecided) is named here.
      const bool undecided = required && required->status != Status::pass && required->status != Status::warn &&
                             required->status != Status::fail;
      if ((!done || undecided) && worst_seen == Status::pass) missing.push_back(wxString::Format(_("%s (not done yet)"), step.label));
    }
    const auto d = certwiz::report::digest(report);
    // Every check that failed or warned, by its title, before the steps not done.
    std::vector<wxString> problems;
    for (const auto* r : d.not_working)
      problems.push_back(wxString::Format(_("%s (%s)"), r->title.empty() ? u8(r->id) : tr(r->title), tr(r->summary)));
    problems.insert(problems.end(), missing.begin(), missing.end());
    if (problems.empty()) {
      verdict_->SetLabel(wxString::FromUTF8("✔ ") + _("Setup complete: every step is done and every check passed."));
      verdict_->SetForegroundColour(status_colour(Status::pass));
    } else {
      wxString list;
      for (size_t i = 0; i < problems.size(); ++i) list += (i ? _(", ") : wxString()) + problems[i];
      verdict_->SetLabel(wxString::Format(_("Setup is not complete yet. Still missing: %s."), list));
      verdict_->SetForegroundColour(status_colour(d.not_working.empty() ? Status::warn : worst(Status::warn, report.overall())));
    }
    todo_->clear_rows();
    for (const auto* r : d.not_working) todo_->show(*r);
    if (d.next) {
      next_->SetLabel(next_step(*d.next));
      next_->SetForegroundColour(status_colour(d.next->status));
    } else {
      next_->SetLabel(problems.empty() ? wxString() : _("Next step: finish the steps not done yet."));
      next_->SetForegroundColour(status_colour(Status::skipped));
    }
    Layout();
  }

 private:
  wxListCtrl* steps_;
  wxStaticText* verdict_;
  wxStaticText* next_;
  ResultsView* todo_;
  wxButton* export_;
  wxStaticText* exported_;
};

}  // namespace

WizardPage* make_summary_page(wxWindow* parent, WizardFrame& frame) { return new SummaryPage(parent, frame); }

}  // namespace certwiz::gui

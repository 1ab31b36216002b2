// Page 8: what was done, what still needs doing (the engine's digest: the remedy of
// the first root failure), and the report export.
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
    next_ = new WrapText(this, wxString(), "summary_next");
    next_->SetFont(ui_font(1, true));
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
    steps_->DeleteAllItems();
    const struct {
      const char* key;
      wxString label;
    } steps[] = {{"environment", _("Card reader and card")},
                 {"components", _("Card tool and signing component")},
                 {"card", _("Card self-tests passed")},
                 {"application", _("Application form checked and saved")},
                 {"binding", _("Card bound to the account")},
                 {"login", _("Test login")}};
    for (const auto& step : steps) {
      const bool done = std::find(st.steps_done.begin(), st.steps_done.end(), step.key) != st.steps_done.end();
      const long row = steps_->InsertItem(steps_->GetItemCount(), step.label);
      steps_->SetItem(row, 1, done ? wxString::FromUTF8("✔ ") + _("Done") : wxString::FromUTF8("– ") + _("Not done yet"));
      steps_->SetItemTextColour(row, status_colour(done ? Status::pass : Status::skipped));
    }
    const Report report = st.report();
    const auto d = certwiz::report::digest(report);
    todo_->clear_rows();
    for (const auto* r : d.not_working) todo_->show(*r);
    if (d.next) {
      const Text& todo = d.next->remedy.empty() ? d.next->summary : d.next->remedy;
      next_->SetLabel(_("Next step: ") + tr(todo));
      next_->SetForegroundColour(status_colour(d.next->status));
    } else {
      next_->SetLabel(wxString::FromUTF8("✔ ") + _("Everything that was checked works."));
      next_->SetForegroundColour(status_colour(Status::pass));
    }
    Layout();
  }

 private:
  wxListCtrl* steps_;
  wxStaticText* next_;
  ResultsView* todo_;
  wxButton* export_;
  wxStaticText* exported_;
};

}  // namespace

WizardPage* make_summary_page(wxWindow* parent, WizardFrame& frame) { return new SummaryPage(parent, frame); }

}  // namespace certwiz::gui

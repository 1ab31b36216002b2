#pragma once
// The application page's part in the process that spans days: the saved progress
// (checks/progress: the form without the password, the application number, the steps done)
// and the review row under the form, which asks the site how the review goes and leads on
// to binding once it is approved. The welcome page offers to continue from it.
#include <functional>
#include <string>

#include <wx/button.h>
#include <wx/panel.h>

#include "app/gui/wizard_frame.h"
#include "checks/form/form.h"

namespace certwiz::gui {

// Loaded once when the wizard opens: state.progress (null: nothing saved) or
// state.progress_problem (a file set aside, no data folder).
void load_saved_progress(WizardState& state);
// The form (never its password) and where the user is, into state.progress, saved at once.
void remember_form(WizardState& state, const form::ApplicationForm& form, const std::string& page);
// A later step done (binding, test login), saved when there is progress to save it in.
void remember_step(WizardState& state, progress::Step step);

class ApplicationReview : public wxPanel {
 public:
  ApplicationReview(wxWindow* parent, WizardFrame& frame);
  // After a submission the site acknowledged with a number.
  void submitted(const std::string& reference);
  // Shows what the saved progress knows (the number and last state).
  void show_saved();

 private:
  void ask_site();
  void show_state(const std::string& state, const wxString& text, Status colour);

  WizardFrame& frame_;
  wxStaticText* text_;
  wxButton* ask_;
  wxButton* to_binding_;
  bool busy_ = false;
};

}  // namespace certwiz::gui

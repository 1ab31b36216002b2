#pragma once
// The whole of one check result, where a list cell cuts it short: status, what was found,
// cause, what to do (in the wizard's words), failure code, technical details and evidence,
// in a read-only text a screen reader reads and a Copy button puts on the clipboard.
#include <wx/button.h>
#include <wx/dialog.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "checks/core/result.h"

namespace certwiz::gui {

// The detail text of `r` in the UI language.
wxString result_details(const CheckResult& r);

// Not modal: the wizard stays usable while it is open; one per results list, reused.
class ResultDetail : public wxDialog {
 public:
  explicit ResultDetail(wxWindow* parent);
  void show(const CheckResult& r);
  wxString text() const { return text_->GetValue(); }

 private:
  void copy();
  wxTextCtrl* text_;
  wxButton* copy_;
  wxStaticText* copied_;
};

}  // namespace certwiz::gui

#pragma once
// A masked text field whose characters go straight into a certwiz::Secret: the control
// itself only ever holds placeholder characters, so the PIN (or password) is never in a
// wxString. Paste, cut and copy are refused; editing is typing and Backspace at the end.
#include <wx/textctrl.h>

#include "checks/core/secret.h"

namespace certwiz::gui {

class SecretEntry : public wxTextCtrl {
 public:
  SecretEntry(wxWindow* parent, const wxString& name, long extra_style = 0);
  const Secret& secret() const { return secret_; }
  // A separate copy (for an engine call that keeps it); the caller owns and wipes it.
  Secret copy() const { return Secret(secret_.reveal()); }
  // Wipes the secret and empties the field.
  void wipe();

 private:
  void on_char(wxKeyEvent& e);
  void show_placeholders();
  Secret secret_;
};

}  // namespace certwiz::gui

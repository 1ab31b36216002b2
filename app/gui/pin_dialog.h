#pragma once
// The PIN dialog: which card, how many tries it has left (from the card's flags, read
// by the engine before any login), a masked field that writes into a Secret, and at the
// final try a separate confirmation without which OK stays disabled (PinGuard refuses
// too). When the tries left are unknown the same confirmation is offered: without it the
// PIN never goes to the local signing component. A locked card gets no field at all.
#include <memory>
#include <optional>

#include <wx/checkbox.h>
#include <wx/dialog.h>
#include <wx/stattext.h>

#include "app/gui/secret_entry.h"
#include "checks/core/result.h"
#include "checks/pkcs11/token.h"

namespace certwiz::gui {

struct PinDialogInfo {
  wxString card;                 // "陳志明 — CertWiz Lab Reader A 00 00"
  std::optional<int> tries_left; // nullopt: the card does not tell
  bool locked = false;
  bool count_low = false;
};

// The dialog's facts for the card `token` in `reader` (null: the engine read no card
// there), as PinGuard reads its flags (read without logging in).
PinDialogInfo pin_info_for(const pkcs11::Token* token, const std::string& reader, const wxString& holder);

class PinDialog : public wxDialog {
 public:
  PinDialog(wxWindow* parent, const PinDialogInfo& info);
  ~PinDialog() override;
  // After OK: the PIN (moved out; the field is wiped) and whether the final try was confirmed.
  std::shared_ptr<const Secret> take_pin();
  bool final_try_confirmed() const { return confirm_ && confirm_->GetValue(); }

 private:
  void update_ok();
  // The final try: OK stays disabled until the confirmation is ticked.
  bool final_try() const { return info_.tries_left && *info_.tries_left == 1; }
  PinDialogInfo info_;
  SecretEntry* entry_ = nullptr;
  wxCheckBox* confirm_ = nullptr;
  wxButton* ok_ = nullptr;
};

}  // namespace certwiz::gui

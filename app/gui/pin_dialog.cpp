#include "app/gui/pin_dialog.h"

#include <wx/button.h>
#include <wx/sizer.h>

#include "app/gui/accessible.h"
#include "app/gui/i18n.h"
#include "app/gui/wrap_text.h"
#include "checks/pkcs11/pin_guard.h"

namespace certwiz::gui {

PinDialogInfo pin_info_for(const pkcs11::Token* token, const std::string& reader, const wxString& holder) {
  PinDialogInfo info;
  info.card = holder + wxString::FromUTF8("  —  ") + u8(reader);
  if (!token) return info;
  const pkcs11::PinStatus pin = pkcs11::PinGuard::pin_state(*token);
  info.tries_left = pin.tries_left;
  info.locked = pin.locked;
  info.count_low = pin.count_low;
  return info;
}

PinDialog::PinDialog(wxWindow* parent, const PinDialogInfo& info)
    : wxDialog(parent, wxID_ANY, _("Card PIN"), wxDefaultPosition, wxDefaultSize, wxDEFAULT_DIALOG_STYLE), info_(info) {
  SetName("pin_dialog");
  SetFont(ui_font());
  auto* top = new wxBoxSizer(wxVERTICAL);
  auto* card = new wxStaticText(this, wxID_ANY, _("Card: ") + info.card);
  top->Add(card, 0, wxALL, FromDIP(10));

  wxString tries;
  if (info.locked) tries = _("The card's PIN is locked. It cannot be tried; unlock it with the card tool (HiCOS) or at a household registration office.");
  else if (!info.tries_left) tries = _("The card does not say how many tries are left.");
  else if (*info.tries_left == 1) tries = _("Only 1 try is left: a wrong PIN now locks the card.");
  else tries = wxString::Format(_("Tries left: %d (the card locks after 3 wrong PINs)."), *info.tries_left);
  // Wrapped once, in characters of the font (the dialog is sized to its content).
  auto* tries_text = new wxStaticText(this, wxID_ANY, wxString());
  tries_text->SetName("pin_tries");
  tries_text->SetLabel(WrapText::wrap(*tries_text, tries, tries_text->GetCharWidth() * 48));
  if (info.locked || (info.tries_left && *info.tries_left <= 1)) tries_text->SetForegroundColour(wxColour(0xb0, 0x1c, 0x1c));
  top->Add(tries_text, 0, wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(10));

  if (!info.locked) {
    auto* label = new wxStaticText(this, wxID_ANY, _("&PIN (6 to 8 letters or digits):"));
    top->Add(label, 0, wxLEFT | wxRIGHT, FromDIP(10));
    entry_ = new SecretEntry(this, "pin_entry");
    set_accessible_name(entry_, _("Card PIN"));
    entry_->SetMinSize(FromDIP(wxSize(260, -1)));
    top->Add(entry_, 0, wxALL | wxEXPAND, FromDIP(10));
    entry_->Bind(wxEVT_TEXT, [this](wxCommandEvent&) { update_ok(); });
    if (final_try()) {
      confirm_ = new wxCheckBox(this, wxID_ANY, _("I am sure of this PIN and accept that the card locks if it is wrong"));
    } else if (!info.tries_left) {
      // Nothing read the card's counter: the local signing component would try the PIN
      // blind, so it gets the PIN only with this box ticked (SITE-PIN-STATE-UNKNOWN).
      confirm_ = new wxCheckBox(this, wxID_ANY,
                                _("I am sure of this PIN and accept that this try may be the last (the card locks if it is wrong)"));
    }
    if (confirm_) {
      confirm_->SetName("pin_confirm_final_try");
      top->Add(confirm_, 0, wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(10));
      confirm_->Bind(wxEVT_CHECKBOX, [this](wxCommandEvent&) { update_ok(); });
    }
  }
  auto* buttons = CreateStdDialogButtonSizer(info.locked ? wxCANCEL : (wxOK | wxCANCEL));
  top->Add(buttons, 0, wxALL | wxEXPAND, FromDIP(10));
  ok_ = dynamic_cast<wxButton*>(FindWindow(wxID_OK));
  if (ok_) ok_->SetName("pin_ok");
  if (auto* cancel = FindWindow(wxID_CANCEL)) cancel->SetName("pin_cancel");
  SetSizerAndFit(top);
  update_ok();
  if (entry_) entry_->SetFocus();
  CentreOnParent();
}

PinDialog::~PinDialog() {
  if (entry_) entry_->wipe();
}

void PinDialog::update_ok() {
  if (!ok_) return;
  const bool typed = entry_ && !entry_->secret().empty();
  // The PinGuard's rule decides, as it will again before the PIN reaches the card.
  ok_->Enable(typed && !pkcs11::PinGuard::refusal(info_.locked, final_try(), final_try_confirmed(), "not sent"));
}

std::shared_ptr<const Secret> PinDialog::take_pin() {
  if (!entry_ || entry_->secret().empty()) return nullptr;
  auto pin = std::make_shared<Secret>(entry_->copy());
  entry_->wipe();
  return pin;
}

}  // namespace certwiz::gui

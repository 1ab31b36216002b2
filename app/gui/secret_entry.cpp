#include "app/gui/secret_entry.h"

#include <wx/clipbrd.h>

namespace certwiz::gui {

SecretEntry::SecretEntry(wxWindow* parent, const wxString& name, long extra_style)
    : wxTextCtrl(parent, wxID_ANY, wxString(), wxDefaultPosition, wxDefaultSize, wxTE_PASSWORD | extra_style) {
  SetName(name);
  Bind(wxEVT_CHAR, &SecretEntry::on_char, this);
  for (auto ev : {wxEVT_TEXT_PASTE, wxEVT_TEXT_CUT, wxEVT_TEXT_COPY}) Bind(ev, [](wxClipboardTextEvent&) {});
}

void SecretEntry::wipe() {
  secret_.clear();
  show_placeholders();
}

void SecretEntry::show_placeholders() {
  // Placeholders only: the control never sees the real characters.
  ChangeValue(wxString('*', secret_.size()));
  SetInsertionPointEnd();
  // Tell listeners that the content changed (length only).
  wxCommandEvent ev(wxEVT_TEXT, GetId());
  ev.SetEventObject(this);
  ProcessWindowEvent(ev);
}

void SecretEntry::on_char(wxKeyEvent& e) {
  const int key = e.GetKeyCode();
  if (key == WXK_TAB || key == WXK_RETURN || key == WXK_NUMPAD_ENTER || key == WXK_ESCAPE) {
    e.Skip();  // navigation and dialog keys keep working
    return;
  }
  if (key == WXK_BACK) {
    if (!secret_.empty()) secret_.pop_back();
    show_placeholders();
    return;
  }
  if (e.ControlDown() || e.AltDown()) return;
  const wxChar c = e.GetUnicodeKey();
  if (c >= 0x20 && c < 0x7f) {
    if (secret_.push_back(static_cast<char>(c))) show_placeholders();
    return;
  }
  // Anything else (arrows, Home, Delete, non-ASCII) is swallowed: the text is append-only.
}

}  // namespace certwiz::gui

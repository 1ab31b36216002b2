#pragma once
// A label that wraps to the width its sizer gives it, re-wrapping when that width or the
// text changes. wxStaticText::Wrap breaks only at spaces, so Traditional Chinese (no
// spaces) would never wrap and a long sentence would be cut off at 150 % scaling; this
// breaks between any two CJK characters, at spaces in English, and keeps closing
// punctuation (，。、」) off the start of a line. Add it to a sizer with wxEXPAND.
#include <wx/stattext.h>

namespace certwiz::gui {

class WrapText : public wxStaticText {
 public:
  WrapText(wxWindow* parent, const wxString& text, const wxString& name = wxString());
  // The whole text, without the line breaks wrapping inserted.
  wxString GetLabel() const override { return text_; }
  void SetLabel(const wxString& text) override;

  // `text` broken into lines no wider than `width` pixels in `w`'s font (exposed for tests).
  static wxString wrap(const wxWindow& w, const wxString& text, int width);

 protected:
  wxSize DoGetBestSize() const override;
  void DoSetSize(int x, int y, int width, int height, int flags) override;

 private:
  void rewrap(int width);
  wxString text_;
  int width_ = -1;     // the width the current lines were made for
  int relayouts_ = 0;  // parent layouts asked for since the text last changed
};

}  // namespace certwiz::gui

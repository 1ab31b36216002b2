#include "app/gui/wrap_text.h"

#include <wx/sizer.h>

namespace certwiz::gui {
namespace {

// Characters that must not begin a line (closing punctuation, CJK and Latin).
bool no_line_start(wxUniChar c) {
  static const wxString kClosing = wxString::FromUTF8("，。、；：？！）」』】》〉…,.;:?!)]}%");
  return kClosing.Find(c) != wxNOT_FOUND;
}

// Wide (CJK) characters may be broken between; Latin words only at spaces.
bool breakable_between(wxUniChar c) {
  const auto v = c.GetValue();
  return (v >= 0x2E80 && v <= 0x9FFF) || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0xFF00 && v <= 0xFFEF) ||
         (v >= 0x3000 && v <= 0x303F);
}

}  // namespace

WrapText::WrapText(wxWindow* parent, const wxString& text, const wxString& name)
    // No auto-resize: a new label must not shrink the control to its best width (and so
    // re-wrap it narrow); the sizer decides the width.
    : wxStaticText(parent, wxID_ANY, wxString(), wxDefaultPosition, wxDefaultSize, wxST_NO_AUTORESIZE), text_(text) {
  if (!name.empty()) SetName(name);
  wxStaticText::SetLabel(text_);
}

// Sizers place controls through DoSetSize; GTK sends no size event for a label (it has
// no window of its own), so the new width is taken here.
void WrapText::DoSetSize(int x, int y, int width, int height, int flags) {
  wxStaticText::DoSetSize(x, y, width, height, flags);
  const int w = GetSize().x;
  if (w <= 0 || w == width_) return;
  rewrap(w);
}

void WrapText::SetLabel(const wxString& text) {
  if (text == text_) return;
  text_ = text;
  relayouts_ = 0;
  rewrap(width_ > 0 ? width_ : GetSize().x);
  InvalidateBestSize();
}

wxString WrapText::wrap(const wxWindow& w, const wxString& text, int width) {
  if (width <= 0) return text;
  wxString out;
  wxString line;
  auto fits = [&](const wxString& s) { return w.GetTextExtent(s).x <= width; };
  for (size_t i = 0; i < text.length(); ++i) {
    const wxUniChar c = text[i];
    if (c == '\n') {
      out += line + "\n";
      line.clear();
      continue;
    }
    line += c;
    if (fits(line) || line.length() == 1) continue;
    // Too wide: break at the last opportunity in the line.
    size_t cut = wxString::npos;  // the new line starts at line[cut]
    for (size_t j = line.length() - 1; j > 0; --j) {
      if (line[j - 1] == ' ') {
        cut = j;
        break;
      }
      if ((breakable_between(line[j]) || breakable_between(line[j - 1])) && !no_line_start(line[j])) {
        cut = j;
        break;
      }
    }
    if (cut == wxString::npos) cut = line.length() - 1;  // one long word: break it
    wxString head = line.substr(0, cut);
    head.Trim();
    out += head + "\n";
    line = line.substr(cut);
    line.Trim(false);
  }
  return out + line;
}

void WrapText::rewrap(int width) {
  width_ = width;
  const int lines_before = wxStaticText::GetLabel().Freq('\n');
  wxStaticText::SetLabel(wrap(*this, text_, width));
  InvalidateBestSize();
  // More or fewer lines: lay the parent out again, after this. Bounded, because a new
  // height can bring a scrollbar that narrows the label again, and back.
  if (wxStaticText::GetLabel().Freq('\n') != lines_before && relayouts_ < 4) {
    ++relayouts_;
    CallAfter([this] {
      if (GetParent()) GetParent()->Layout();
    });
  }
}

wxSize WrapText::DoGetBestSize() const {
  // Narrow as a sizer likes (it widens the label with wxEXPAND), as tall as the lines.
  // The width must not depend on the current one, or a sizer and the wrapping could
  // chase each other.
  const int em = GetCharWidth();
  const wxString lines = wrap(*this, text_, width_ > 0 ? width_ : em * 60);
  const int n = lines.Freq('\n') + 1;
  const int widest_unwrapped = GetTextExtent(text_.BeforeFirst('\n')).x;
  return wxSize(std::min(widest_unwrapped, em * 20), n * GetCharHeight());
}

}  // namespace certwiz::gui

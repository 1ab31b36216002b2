#pragma once
// Screenshots of the wizard and the checks on them: not blank, and the CJK text drawn
// with real glyphs (not the boxes a font without them gives).
#include <string>

#include <wx/image.h>
#include <wx/window.h>

namespace certwiz::gui::test {

// The window's area of the screen (with any dialog over it), as an image; not OK on failure.
wxImage grab(wxWindow* w, const std::string& scratch_dir);

struct BlankCheck {
  bool ok = false;
  double ink_fraction = 0;  // pixels unlike the most common colour
  size_t colours = 0;       // distinct colours (quantised)
  std::string why;
};
BlankCheck check_not_blank(const wxImage& img);

// Whether every CJK character of `text` has a glyph in the font fontconfig picks for
// `face` (with its fallbacks for zh-tw): what Pango draws instead of a box.
bool font_covers(const wxString& face, const wxString& text, std::string& missing);

struct GlyphCheck {
  bool ok = false;
  double corr_real = 0;  // column-ink correlation of the screen text with the real glyphs
  double corr_tofu = 0;  // ... with the same number of missing-glyph boxes
  std::string why;
};
// Compares the text of `label` as it is on `shot` (taken of `top`) with `label`'s text
// rendered in its font off-screen, and with boxes of the same count: the screenshot
// shows this page's text (not a stale or blank screen) drawn as glyphs, not as the
// boxes of private-use characters. (With no CJK font at all both renderings are boxes;
// font_covers() is what catches that.)
GlyphCheck check_glyphs(const wxImage& shot, wxWindow* top, wxWindow* label);

}  // namespace certwiz::gui::test

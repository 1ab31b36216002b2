#include "tests/gui/wizard/screenshot_check.h"

#include <fontconfig/fontconfig.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <cmath>
#include <map>
#include <vector>

#include <wx/dcmemory.h>

namespace certwiz::gui::test {

wxImage grab(wxWindow* w, const std::string& scratch_dir) {
  // The X server's own picture of the screen (ImageMagick's import): wxScreenDC under
  // GTK 3 returns stale content, which would check the previous page.
  const wxRect r = w->GetScreenRect();
  const std::string tmp = scratch_dir + "/.screen.png";
  if (std::system(("import -window root '" + tmp + "' 2>/dev/null").c_str()) != 0) return wxImage();
  wxImage root(wxString::FromUTF8(tmp), wxBITMAP_TYPE_PNG);
  std::remove(tmp.c_str());
  if (!root.IsOk()) return wxImage();
  return root.GetSubImage(r.Intersect(wxRect(0, 0, root.GetWidth(), root.GetHeight())));
}

namespace {

struct Rgb {
  int r, g, b;
};
Rgb at(const wxImage& img, int x, int y) { return {img.GetRed(x, y), img.GetGreen(x, y), img.GetBlue(x, y)}; }
int quantise(const Rgb& c) { return (c.r >> 3) << 10 | (c.g >> 3) << 5 | (c.b >> 3); }

Rgb dominant(const wxImage& img) {
  std::map<int, size_t> hist;
  for (int y = 0; y < img.GetHeight(); ++y)
    for (int x = 0; x < img.GetWidth(); ++x) ++hist[quantise(at(img, x, y))];
  int best = 0;
  size_t n = 0;
  for (auto [k, v] : hist)
    if (v > n) best = k, n = v;
  return {(best >> 10 & 31) << 3, (best >> 5 & 31) << 3, (best & 31) << 3};
}

// Ink per column: pixels far from the background colour.
std::vector<double> column_ink(const wxImage& img) {
  const Rgb bg = dominant(img);
  std::vector<double> cols(static_cast<size_t>(img.GetWidth()), 0.0);
  for (int y = 0; y < img.GetHeight(); ++y)
    for (int x = 0; x < img.GetWidth(); ++x) {
      const Rgb c = at(img, x, y);
      if (std::abs(c.r - bg.r) + std::abs(c.g - bg.g) + std::abs(c.b - bg.b) > 120) cols[static_cast<size_t>(x)] += 1;
    }
  return cols;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b, int shift) {
  std::vector<double> x, y;
  for (size_t i = 0; i < a.size(); ++i) {
    const long j = static_cast<long>(i) + shift;
    x.push_back(a[i]);
    y.push_back(j >= 0 && j < static_cast<long>(b.size()) ? b[static_cast<size_t>(j)] : 0.0);
  }
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

double best_correlation(const std::vector<double>& screen, const std::vector<double>& ref) {
  double best = -1;
  for (int s = -12; s <= 12; ++s) best = std::max(best, correlation(screen, ref, s));
  return best;
}

wxImage render(const wxString& text, const wxFont& font, wxSize size) {
  wxBitmap bmp(size.x, size.y, 24);
  {
    wxMemoryDC dc(bmp);
    dc.SetBackground(*wxWHITE_BRUSH);
    dc.Clear();
    dc.SetFont(font);
    dc.SetTextForeground(*wxBLACK);
    dc.DrawText(text, 0, 0);
  }
  return bmp.ConvertToImage();
}

}  // namespace

BlankCheck check_not_blank(const wxImage& img) {
  BlankCheck c;
  if (!img.IsOk() || img.GetWidth() < 100 || img.GetHeight() < 100) {
    c.why = "no image or too small";
    return c;
  }
  std::map<int, size_t> hist;
  for (int y = 0; y < img.GetHeight(); ++y)
    for (int x = 0; x < img.GetWidth(); ++x) ++hist[quantise(at(img, x, y))];
  size_t top = 0;
  for (auto [k, v] : hist) top = std::max(top, v);
  const double total = static_cast<double>(img.GetWidth()) * img.GetHeight();
  c.ink_fraction = 1.0 - static_cast<double>(top) / total;
  c.colours = hist.size();
  c.ok = c.ink_fraction > 0.03 && c.colours >= 16;
  if (!c.ok) c.why = "looks blank: ink " + std::to_string(c.ink_fraction) + ", colours " + std::to_string(c.colours);
  return c;
}

bool font_covers(const wxString& face, const wxString& text, std::string& missing) {
  FcInit();
  FcPattern* p = FcPatternCreate();
  const wxScopedCharBuffer f = face.utf8_str();
  FcPatternAddString(p, FC_FAMILY, reinterpret_cast<const FcChar8*>(f.data()));
  FcPatternAddString(p, FC_LANG, reinterpret_cast<const FcChar8*>("zh-tw"));
  FcConfigSubstitute(nullptr, p, FcMatchPattern);
  FcDefaultSubstitute(p);
  FcResult res;
  FcPattern* match = FcFontMatch(nullptr, p, &res);
  FcCharSet* cs = nullptr;
  bool ok = match && FcPatternGetCharSet(match, FC_CHARSET, 0, &cs) == FcResultMatch;
  if (ok) {
    for (wxUniChar c : text) {
      const unsigned v = c.GetValue();
      if (v >= 0x2E80 && !FcCharSetHasChar(cs, v)) {
        ok = false;
        missing += wxString(c).utf8_str().data();
      }
    }
  } else {
    missing = "(no font matched)";
  }
  if (match) FcPatternDestroy(match);
  FcPatternDestroy(p);
  return ok;
}

GlyphCheck check_glyphs(const wxImage& shot, wxWindow* top, wxWindow* label) {
  GlyphCheck g;
  const wxString text = label->GetLabel();
  wxRect r = label->GetScreenRect();
  r.Offset(-top->GetScreenPosition());
  r.Intersect(wxRect(0, 0, shot.GetWidth(), shot.GetHeight()));
  if (text.empty() || r.width < 10 || r.height < 5) {
    g.why = "label empty or not on the screenshot";
    return g;
  }
  const wxImage screen = shot.GetSubImage(r);
  const wxImage real = render(text, label->GetFont(), r.GetSize());
  wxString tofu;
  for (size_t i = 0; i < text.length(); ++i) tofu += wxUniChar(text[i].GetValue() >= 0x2E80 ? 0xE000 + (i % 16) : text[i].GetValue());
  const wxImage boxes = render(tofu, label->GetFont(), r.GetSize());
  const auto s = column_ink(screen), a = column_ink(real), b = column_ink(boxes);
  g.corr_real = best_correlation(s, a);
  g.corr_tofu = best_correlation(s, b);
  // Boxes only differ from the real text where the text has CJK characters.
  bool cjk = false;
  for (wxUniChar c : text) cjk = cjk || c.GetValue() >= 0x2E80;
  g.ok = g.corr_real >= 0.75 && (!cjk || g.corr_real > g.corr_tofu + 0.05);
  if (!g.ok)
    g.why = "screen text of \"" + std::string(text.utf8_str().data()) + "\" matches real glyphs " + std::to_string(g.corr_real) +
            ", boxes " + std::to_string(g.corr_tofu);
  return g;
}

}  // namespace certwiz::gui::test

#include "app/gui/i18n.h"

#include <filesystem>

#include <wx/fontenum.h>
#include <wx/settings.h>
#include <wx/stdpaths.h>
#include <wx/translation.h>

#include "checks/core/display_safe.h"

namespace certwiz::gui {
namespace {
Lang g_lang = Lang::zh_TW;
namespace fs = std::filesystem;

bool has_catalogue(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "zh_TW" / "LC_MESSAGES" / "certwiz-wizard.mo", ec);
}
}  // namespace

Lang ui_lang() { return g_lang; }
void set_ui_lang(Lang lang) { g_lang = lang; }

std::string find_locale_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("CERTWIZ_LOCALE_DIR"); env && *env) candidates.emplace_back(env);
  const fs::path exe = to_u8(wxStandardPaths::Get().GetExecutablePath());
  candidates.push_back(exe.parent_path().parent_path() / "share" / "locale");
  candidates.emplace_back(CERTWIZ_BUILD_LOCALE_DIR);
  for (const auto& c : candidates)
    if (has_catalogue(c)) return c.string();
  return {};
}

std::string setup_translations(Lang lang) {
  set_ui_lang(lang);
  auto* t = new wxTranslations;
  wxTranslations::Set(t);  // owns it
  const std::string dir = find_locale_dir();
  if (!dir.empty()) wxFileTranslationsLoader::AddCatalogLookupPathPrefix(u8(dir));
  // wxstd (wx3.2-i18n) lives in the system's locale folder.
  wxFileTranslationsLoader::AddCatalogLookupPathPrefix("/usr/share/locale");
  t->SetLanguage(lang == Lang::en ? wxLANGUAGE_ENGLISH_US : wxLANGUAGE_CHINESE_TRADITIONAL);
  t->AddStdCatalog();
  if (dir.empty() || !t->AddCatalog("certwiz-wizard", wxLANGUAGE_ENGLISH_US)) return lang == Lang::en ? dir : std::string();
  return dir;
}

// The wizard's way to show engine text: display-safe first (a site's or a card's text
// may carry control characters or bidi overrides), line breaks kept.
wxString u8(const std::string& s) {
  const std::string safe = display_safe(s, LineBreaks::keep);
  return wxString::FromUTF8(safe.data(), safe.size());
}
std::string to_u8(const wxString& s) {
  const wxScopedCharBuffer b = s.utf8_str();
  return std::string(b.data(), b.length());
}

wxString tr(const Text& t) {
  const std::string& first = t.in(g_lang);
  return u8(first.empty() ? t.in(g_lang == Lang::en ? Lang::zh_TW : Lang::en) : first);
}

wxString ui_face_name() {
  static const wxString face = [] {
    for (const char* f : {"Noto Sans CJK TC", "Noto Sans TC", "Noto Sans CJK JP"})
      if (wxFontEnumerator::IsValidFacename(f)) return wxString(f);
    return wxString();
  }();
  return face;
}

wxFont ui_font(int point_delta, bool bold) {
  wxFont f = wxSystemSettings::GetFont(wxSYS_DEFAULT_GUI_FONT);
  if (!ui_face_name().empty()) f.SetFaceName(ui_face_name());
  if (point_delta) f.SetPointSize(f.GetPointSize() + point_delta);
  if (bold) f.SetWeight(wxFONTWEIGHT_BOLD);
  return f;
}

}  // namespace certwiz::gui

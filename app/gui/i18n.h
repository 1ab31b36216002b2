#pragma once
// The wizard's language: its own strings through gettext catalogues (certwiz-wizard.mo,
// loaded with wxTranslations + wxFileTranslationsLoader, no wxLocale), the engine's
// through Text in the same language, and a font that has the CJK glyphs.
#include <string>

#include <wx/font.h>
#include <wx/string.h>

#include "checks/core/text.h"

namespace certwiz::gui {

// Installs wxTranslations for `lang` (catalogues "certwiz-wizard" and wxstd). Returns the
// folder the catalogue came from; empty when none was found (English strings then).
std::string setup_translations(Lang lang);
// Folders searched for <lang>/LC_MESSAGES/certwiz-wizard.mo, in order.
std::string find_locale_dir();

Lang ui_lang();
void set_ui_lang(Lang lang);

// An engine text in the UI language (the other language when it is empty).
wxString tr(const Text& t);
wxString u8(const std::string& s);
std::string to_u8(const wxString& s);

// The UI font: Noto Sans CJK TC when installed (so Chinese never falls back to boxes).
wxFont ui_font(int point_delta = 0, bool bold = false);
// The face name ui_font() uses ("" when the system default is used).
wxString ui_face_name();

}  // namespace certwiz::gui

#pragma once
// User-facing text in both languages CertWiz speaks: Traditional Chinese first, English too.
#include <string>
#include <string_view>

namespace certwiz {

enum class Lang { zh_TW, en };

// "zh_TW", "zh-TW", "zh" → zh_TW; "en*" → en; anything else → std::nullopt-like fallback zh_TW.
Lang parse_lang(std::string_view s, Lang fallback = Lang::zh_TW);
std::string_view lang_tag(Lang l);  // "zh_TW" or "en"

struct Text {
  std::string zh_TW;
  std::string en;

  const std::string& in(Lang l) const { return l == Lang::en ? en : zh_TW; }
  bool empty() const { return zh_TW.empty() && en.empty(); }
  bool operator==(const Text&) const = default;
};

// Text from outside CertWiz (the site, the local signing component, the card, a
// certificate, a report file) made safe to show: a server must not be able to move the
// cursor, retitle the window, hide or reorder text on a terminal, in the wizard or in the
// HTML report. Removes C0 controls (a line break stays only with LineBreaks::keep; tab
// becomes a space), DEL, C1 controls, whole escape sequences (ESC and 8-bit CSI / OSC /
// DCS / SOS / PM / APC with their parameters and strings) and the bidi embedding,
// override and isolate characters (U+202A-U+202E, U+2066-U+2069) that spoof text order.
// Invalid UTF-8 becomes U+FFFD (a stray 0x9B byte is CSI to some terminals).
enum class LineBreaks { keep, to_space };
std::string display_safe(std::string_view s, LineBreaks breaks = LineBreaks::to_space);
bool is_display_safe(std::string_view s, LineBreaks breaks = LineBreaks::to_space);
Text display_safe(const Text& t, LineBreaks breaks = LineBreaks::to_space);

}  // namespace certwiz

#include "checks/core/display_safe.h"

#include "checks/core/utf8.h"

namespace certwiz {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// One code point from UTF-8 at s[i]; advances i. Malformed bytes read as U+FFFD.
char32_t next_code_point_or_replacement(std::string_view s, size_t& i) {
  const char32_t cp = next_code_point(s, i);
  return cp == kInvalidUtf8 ? kReplacement : cp;
}

bool is_bidi_control(char32_t cp) { return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); }

// Skips a control sequence's parameters and final byte (ECMA-48 CSI): parameter and
// intermediate bytes 0x20-0x3F, then one final byte 0x40-0x7E. Stops early at anything
// else, which is then read as text again.
void skip_csi(std::string_view s, size_t& i) {
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b <= 0x3F) {
      ++i;
    } else {
      if (b >= 0x40 && b <= 0x7E) ++i;
      return;
    }
  }
}

// Skips a command string (OSC, DCS, SOS, PM, APC) up to and including its terminator:
// BEL, ESC \ or the 8-bit ST (U+009C). An unterminated string runs to the end, as a
// terminal would swallow it.
void skip_command_string(std::string_view s, size_t& i) {
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b == 0x07) {
      ++i;
      return;
    }
    if (b == 0x1B) {
      ++i;
      if (i < s.size() && s[i] == '\\') ++i;
      return;
    }
    size_t j = i;
    if (next_code_point(s, j) == 0x9C) {
      i = j;
      return;
    }
    i = j;
  }
}

}  // namespace

std::string display_safe(std::string_view s, LineBreaks breaks) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const char32_t cp = next_code_point_or_replacement(s, i);
    if (cp == 0x1B) {  // ESC: drop the whole sequence
      if (i >= s.size()) break;
      const char c = s[i];
      if (c == '[') {
        ++i;
        skip_csi(s, i);
      } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
        ++i;
        skip_command_string(s, i);
      } else {
        // nF / Fp / Fe / Fs: intermediates 0x20-0x2F, then one final byte 0x30-0x7E.
        while (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x20 && static_cast<unsigned char>(s[i]) <= 0x2F) ++i;
        if (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x30 && static_cast<unsigned char>(s[i]) <= 0x7E) ++i;
      }
      continue;
    }
    if (cp == 0x9B) {  // 8-bit CSI
      skip_csi(s, i);
      continue;
    }
    if (cp == 0x9D || cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F) {  // 8-bit OSC, DCS, SOS, PM, APC
      skip_command_string(s, i);
      continue;
    }
    if (cp == '\n') {
      out += breaks == LineBreaks::keep ? '\n' : ' ';
      continue;
    }
    if (cp == '\t') {
      out += ' ';
      continue;
    }
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)) continue;
    append_utf8(out, cp);
  }
  return out;
}

bool is_display_safe(std::string_view s, LineBreaks breaks) { return display_safe(s, breaks) == s; }

Text display_safe(const Text& t, LineBreaks breaks) { return {display_safe(t.zh_TW, breaks), display_safe(t.en, breaks)}; }

Json display_safe_json(const Json& j) {
  if (j.is_string()) return display_safe(j.get_ref<const std::string&>(), LineBreaks::keep);
  if (j.is_array()) {
    Json out = Json::array();
    for (const auto& v : j) out.push_back(display_safe_json(v));
    return out;
  }
  if (j.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : j.items()) out[display_safe(std::string_view(k))] = display_safe_json(v);
    return out;
  }
  return j;
}

void make_display_safe(CheckResult& r) {
  r.id = display_safe(r.id);
  r.title = display_safe(r.title);
  r.summary = display_safe(r.summary);
  r.code = display_safe(r.code);
  r.cause = display_safe(r.cause);
  r.remedy = display_safe(r.remedy);
  r.detail = display_safe(r.detail, LineBreaks::keep);
  r.evidence = display_safe_json(r.evidence);
}

}  // namespace certwiz

#include "checks/core/display_safe.h"

namespace certwiz {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// One code point from UTF-8 at s[i]; advances i. Invalid or overlong sequences, surrogates
// and values above U+10FFFF give U+FFFD and consume one byte.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) len = 2, cp = b0 & 0x1F;
  else if ((b0 & 0xF0) == 0xE0) len = 3, cp = b0 & 0x0F;
  else if ((b0 & 0xF8) == 0xF0) len = 4, cp = b0 & 0x07;
  else {
    ++i;
    return kReplacement;
  }
  if (i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacement;
  }
  i += static_cast<size_t>(len);
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
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
    const char32_t cp = next_code_point(s, i);
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

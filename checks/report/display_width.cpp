#include "checks/report/display_width.h"

namespace certwiz::report {
namespace {

// Decodes one character at `i`; invalid bytes count as one narrow character.
char32_t decode(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) {
    const auto cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    c = (c << 6) | (cb & 0x3F);
  }
  i += n;
  return c;
}

size_t width_of(char32_t c) {
  if (c < 0x20 || (c >= 0x300 && c < 0x370) || c == 0x200B) return 0;  // controls, combining marks
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
                    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

}  // namespace

size_t display_width(std::string_view utf8) {
  size_t w = 0;
  for (size_t i = 0; i < utf8.size();) w += width_of(decode(utf8, i));
  return w;
}

std::string truncate_to_width(std::string_view utf8, size_t columns) {
  if (display_width(utf8) <= columns) return std::string(utf8);
  if (columns == 0) return {};
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < utf8.size();) {
    const size_t start = i;
    const size_t cw = width_of(decode(utf8, i));
    if (w + cw + 1 > columns) break;  // keep one column for the ellipsis
    out.append(utf8.substr(start, i - start));
    w += cw;
  }
  return out + "…";
}

}  // namespace certwiz::report

// Feeds arbitrary bytes to display_safe: the output must be valid UTF-8 holding no C0
// control but a kept line break, no DEL, no C1 control and no bidi override or isolate,
// and filtering it again must change nothing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "checks/core/display_safe.h"

namespace {
void require_inert(const std::string& s, bool newlines) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) std::abort();
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((c & 0xC0) != 0x80) std::abort();
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < 0x20 && !(newlines && cp == '\n')) std::abort();
    if (cp >= 0x7F && cp <= 0x9F) std::abort();
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) std::abort();
    i += static_cast<size_t>(len);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (auto breaks : {certwiz::LineBreaks::keep, certwiz::LineBreaks::to_space}) {
    const std::string once = certwiz::display_safe(in, breaks);
    require_inert(once, breaks == certwiz::LineBreaks::keep);
    if (certwiz::display_safe(once, breaks) != once) std::abort();
  }
  return 0;
}

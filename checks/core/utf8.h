#pragma once
// UTF-8, strictly: what the display-safe filter and the form rules read text with, so
// both judge a malformed byte the same way.
#include <cstddef>
#include <string>
#include <string_view>

namespace certwiz {

// What next_code_point returns for a malformed sequence (not a code point).
inline constexpr char32_t kInvalidUtf8 = 0xFFFFFFFF;

// Decodes one UTF-8 sequence at s[i] (i < s.size()) and advances i past it. Malformed,
// overlong, surrogate or out-of-range sequences give kInvalidUtf8 and move i by one byte.
char32_t next_code_point(std::string_view s, size_t& i);

// Appends `cp` (a valid code point) as UTF-8.
void append_utf8(std::string& out, char32_t cp);

}  // namespace certwiz

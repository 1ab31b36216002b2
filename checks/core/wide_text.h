// UTF-8 <-> UTF-16 for the Windows files: Windows' APIs speak UTF-16 (wchar_t), CertWiz
// speaks UTF-8. Defined in wide_text_win.cpp only; no other platform needs it.
#pragma once

#include <string>
#include <string_view>

namespace certwiz {

// UTF-16 to UTF-8; an invalid sequence becomes U+FFFD (WideCharToMultiByte's rule).
std::string narrow(std::wstring_view w);
// A NUL-terminated UTF-16 string (nullptr reads as empty).
std::string narrow(const wchar_t* w);
// UTF-8 to UTF-16.
std::wstring wide(std::string_view s);

}  // namespace certwiz

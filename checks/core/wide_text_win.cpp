#include "checks/core/wide_text.h"

#include <windows.h>

namespace certwiz {

std::string narrow(std::wstring_view w) {
  if (w.empty()) return {};
  const int len = static_cast<int>(w.size());
  const int n = WideCharToMultiByte(CP_UTF8, 0, w.data(), len, nullptr, 0, nullptr, nullptr);
  if (n <= 0) return {};
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, w.data(), len, out.data(), n, nullptr, nullptr);
  return out;
}

std::string narrow(const wchar_t* w) { return w ? narrow(std::wstring_view(w)) : std::string(); }

std::wstring wide(std::string_view s) {
  if (s.empty()) return {};
  const int len = static_cast<int>(s.size());
  const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), len, nullptr, 0);
  if (n <= 0) return {};
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), len, out.data(), n);
  return out;
}

}  // namespace certwiz

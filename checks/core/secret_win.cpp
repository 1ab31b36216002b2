// Windows half of Secret: a locked page (VirtualLock keeps it out of the page file),
// SecureZeroMemory, and the console prompt without echo (SetConsoleMode).
#include <windows.h>
#include <io.h>

#include <cerrno>
#include <new>

#include "checks/core/secret.h"
#include "checks/core/secret_platform.h"

namespace certwiz {
namespace detail {

char* secret_alloc(size_t size) {
  void* p = VirtualAlloc(nullptr, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  if (!p) throw std::bad_alloc();
  VirtualLock(p, size);  // best effort: may fail over the working-set quota, the page is still wiped
  return static_cast<char*>(p);
}

void secret_free(char* p, size_t size) {
  VirtualUnlock(p, size);
  VirtualFree(p, 0, MEM_RELEASE);
}

void secret_wipe(void* p, size_t size) { SecureZeroMemory(p, size); }

int read_fd_byte(int fd, char& c) {
  for (;;) {
    const int n = _read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 ? 1 : n;
  }
}

}  // namespace detail

void protect_process_from_dumps() {
  // No Windows Error Reporting dialog or hard-error box: a crash ends the process at
  // once instead of waiting for a click (a dump of it would hold the PIN page).
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
}

bool read_secret_from_terminal(std::string_view prompt, Secret& out) {
  out.clear();
  const HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                OPEN_EXISTING, 0, nullptr);
  if (in == INVALID_HANDLE_VALUE) return false;
  const HANDLE con = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                 nullptr, OPEN_EXISTING, 0, nullptr);
  DWORD old = 0;
  if (!GetConsoleMode(in, &old)) {
    CloseHandle(in);
    if (con != INVALID_HANDLE_VALUE) CloseHandle(con);
    return false;
  }
  DWORD written = 0;
  if (con != INVALID_HANDLE_VALUE) WriteFile(con, prompt.data(), static_cast<DWORD>(prompt.size()), &written, nullptr);
  SetConsoleMode(in, (old | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT) & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
  bool ok = true;
  // One UTF-16 unit at a time, straight into the Secret: no line buffer to wipe.
  for (;;) {
    wchar_t w = 0;
    DWORD got = 0;
    if (!ReadConsoleW(in, &w, 1, &got, nullptr)) {
      ok = false;
      break;
    }
    if (got == 0) break;  // end of input, as read_secret_line
    if (w == L'\n') break;
    if (w == L'\r') continue;
    char utf8[4] = {0, 0, 0, 0};
    const int n = WideCharToMultiByte(CP_UTF8, 0, &w, 1, utf8, sizeof utf8, nullptr, nullptr);
    for (int i = 0; i < n && ok; ++i) ok = out.push_back(utf8[i]);
    detail::secret_wipe(utf8, sizeof utf8);
    w = 0;
    if (!ok) break;
  }
  SetConsoleMode(in, old);
  if (con != INVALID_HANDLE_VALUE) {
    WriteFile(con, "\r\n", 2, &written, nullptr);  // the newline the hidden echo did not show
    CloseHandle(con);
  }
  CloseHandle(in);
  if (!ok) out.clear();
  return ok;
}

}  // namespace certwiz

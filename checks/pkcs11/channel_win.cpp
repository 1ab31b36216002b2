// Windows half of the host protocol: two anonymous pipes, one per direction. Anonymous
// pipes have no overlapped I/O, so a read with a deadline waits with PeekNamedPipe.
#include <windows.h>

#include <algorithm>
#include <thread>

#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11::wire::detail {

using Clock = std::chrono::steady_clock;

namespace {
HANDLE handle_of(std::intptr_t h) { return reinterpret_cast<HANDLE>(h); }

bool ended(DWORD error) { return error == ERROR_BROKEN_PIPE || error == ERROR_NO_DATA || error == ERROR_PIPE_NOT_CONNECTED; }
}  // namespace

bool send_all(const Channel& c, const char* p, size_t n) {
  while (n > 0) {
    DWORD wrote = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(n, 1u << 20));
    if (!WriteFile(handle_of(c.out), p, chunk, &wrote, nullptr)) return false;
    p += wrote;
    n -= wrote;
  }
  return true;
}

ReadStatus recv_all(const Channel& c, char* p, size_t n, std::optional<Clock::time_point> deadline) {
  const HANDLE h = handle_of(c.in);
  auto pause = std::chrono::microseconds(100);
  while (n > 0) {
    DWORD want = static_cast<DWORD>(std::min<size_t>(n, 1u << 20));
    if (deadline) {
      DWORD available = 0;
      if (!PeekNamedPipe(h, nullptr, 0, nullptr, &available, nullptr))
        return ended(GetLastError()) ? ReadStatus::closed : ReadStatus::error;
      if (available == 0) {
        if (Clock::now() >= *deadline) return ReadStatus::timeout;
        // Short pauses first (an answer usually comes within a millisecond), then 2 ms.
        std::this_thread::sleep_for(pause);
        pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(2));
        continue;
      }
      want = std::min(want, available);
    }
    DWORD got = 0;
    if (!ReadFile(h, p, want, &got, nullptr)) return ended(GetLastError()) ? ReadStatus::closed : ReadStatus::error;
    if (got == 0) return ReadStatus::closed;
    p += got;
    n -= got;
  }
  return ReadStatus::ok;
}

}  // namespace certwiz::pkcs11::wire::detail

// POSIX half of the host protocol: one connected AF_UNIX socket carries both directions.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11::wire::detail {

using Clock = std::chrono::steady_clock;

bool send_all(const Channel& c, const char* p, size_t n) {
  const int fd = static_cast<int>(c.out);
  while (n > 0) {
    // MSG_NOSIGNAL: a dead peer must give an error, not a SIGPIPE.
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads exactly n bytes; with a deadline, waits with poll between reads.
ReadStatus recv_all(const Channel& c, char* p, size_t n, std::optional<Clock::time_point> deadline) {
  const int fd = static_cast<int>(c.in);
  while (n > 0) {
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return ReadStatus::timeout;
      pollfd pfd{fd, POLLIN, 0};
      const int pr = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 60'000)));
      if (pr < 0) {
        if (errno == EINTR) continue;
        return ReadStatus::error;
      }
      if (pr == 0) continue;
    }
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r == 0) return ReadStatus::closed;
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno == ECONNRESET ? ReadStatus::closed : ReadStatus::error;
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
  return ReadStatus::ok;
}

}  // namespace certwiz::pkcs11::wire::detail

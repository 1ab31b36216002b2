// POSIX half of Secret shared by Linux and the other Unix systems: reading a line
// from a file descriptor, and wiping.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "checks/core/secret.h"
#include "checks/core/secret_platform.h"

namespace certwiz {
namespace detail {

void secret_wipe(void* p, size_t size) {
#if defined(__APPLE__)
  memset_s(p, size, 0, size);
#else
  explicit_bzero(p, size);
#endif
}

}  // namespace detail

bool read_secret_line(int fd, Secret& out) {
  out.clear();
  for (;;) {
    char c;
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (c == '\n') return true;
    if (c == '\r') continue;
    if (!out.push_back(c)) {
      out.clear();
      return false;
    }
  }
}

}  // namespace certwiz

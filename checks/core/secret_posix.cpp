// POSIX half of Secret shared by Linux and the other Unix systems: reading one byte
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

int read_fd_byte(int fd, char& c) {
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 ? 1 : static_cast<int>(n);
  }
}

}  // namespace detail

}  // namespace certwiz

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <new>

#include "checks/core/secret.h"
#include "checks/core/secret_platform.h"
#include "checks/core/terminal.h"

namespace certwiz {
namespace detail {

char* secret_alloc(size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  madvise(p, size, MADV_DONTDUMP);
  mlock(p, size);  // best effort: may fail under RLIMIT_MEMLOCK, the page is still wiped
  return static_cast<char*>(p);
}

void secret_free(char* p, size_t size) {
  munlock(p, size);
  munmap(p, size);
}

}  // namespace detail

void protect_process_from_dumps() {
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

bool read_secret_from_terminal(std::string_view prompt, Secret& out) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  bool ok = false;
  {
    const EchoOff quiet(fd);  // echo comes back even on Ctrl-C or kill
    if (quiet.active()) {
      (void)!::write(fd, prompt.data(), prompt.size());
      ok = read_secret_line(fd, out);
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace certwiz

#include <locale.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "installer/workdir.h"

namespace certwiz::installer {

bool run_in_directory(const std::string& dir, const std::function<void()>& work, std::string& error) {
  bool ok = false;
  std::thread t([&] {
    // The thread's own filesystem context: chdir below does not move other threads.
    if (unshare(CLONE_FS) != 0) {
      error = std::string("unshare(CLONE_FS): ") + std::strerror(errno);
      return;
    }
    if (chdir(dir.c_str()) != 0) {
      error = "chdir " + dir + ": " + std::strerror(errno);
      return;
    }
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
    locale_t previous = utf8 ? uselocale(utf8) : nullptr;
    work();
    if (utf8) {
      uselocale(previous);
      freelocale(utf8);
    }
    ok = true;
  });
  t.join();
  return ok;
}

}  // namespace certwiz::installer

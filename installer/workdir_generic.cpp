#include <filesystem>
#include <mutex>
#if !defined(_WIN32)
#include <locale.h>
#if defined(__APPLE__)
#include <xlocale.h>
#endif
#endif

#include "installer/workdir.h"

namespace certwiz::installer {

bool run_in_directory(const std::string& dir, const std::function<void()>& work, std::string& error) {
  // The working directory is process-wide here: one unpack at a time, restored after.
  static std::mutex m;
  std::lock_guard lock(m);
  std::error_code ec;
  const auto previous = std::filesystem::current_path(ec);
  std::filesystem::current_path(dir, ec);
  if (ec) {
    error = "chdir " + dir + ": " + ec.message();
    return false;
  }
#if !defined(_WIN32)
  locale_t utf8 = newlocale(LC_CTYPE_MASK, "UTF-8", nullptr);
  locale_t before = utf8 ? uselocale(utf8) : nullptr;
#endif
  work();
#if !defined(_WIN32)
  if (utf8) {
    uselocale(before);
    freelocale(utf8);
  }
#endif
  std::filesystem::current_path(previous, ec);
  return true;
}

}  // namespace certwiz::installer

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "checks/report/replace_file.h"

namespace certwiz::report::detail {

std::FILE* create_new_file(const std::string& path, FileAccess access) {
  // O_EXCL refuses anything at the name, a symlink included; O_NOFOLLOW says so twice.
  const mode_t mode = access == FileAccess::owner_only ? 0600 : 0666;  // 0666 & ~umask
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    const int saved = errno;
    ::close(fd);
    ::unlink(path.c_str());
    errno = saved;
  }
  return f;
}

bool sync_file(std::FILE* f) { return std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0; }

}  // namespace certwiz::report::detail

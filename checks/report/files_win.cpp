// Windows half of replace_file.h. Untested here (no Windows CI); cross-compiled only.
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

#include <cerrno>

#include "checks/report/replace_file.h"

namespace certwiz::report::detail {

std::FILE* create_new_file(const std::string& path, FileAccess) {
  // _O_EXCL refuses an existing file or link. A user's profile folder is private to
  // them already; NTFS ACLs, not a mode, decide who else reads it.
  const int fd = ::_open(path.c_str(), _O_WRONLY | _O_CREAT | _O_EXCL | _O_BINARY | _O_NOINHERIT, _S_IREAD | _S_IWRITE);
  if (fd < 0) return nullptr;
  std::FILE* f = ::_fdopen(fd, "wb");
  if (!f) {
    const int saved = errno;
    ::_close(fd);
    ::_unlink(path.c_str());
    errno = saved;
  }
  return f;
}

bool sync_file(std::FILE* f) { return std::fflush(f) == 0 && ::_commit(::_fileno(f)) == 0; }

}  // namespace certwiz::report::detail

// POSIX half of checks/core/platform.h (Linux, macOS and other Unix systems).
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "checks/core/platform.h"

namespace certwiz {

std::string_view os_name() {
#if defined(__APPLE__)
  return "macos";
#elif defined(__linux__)
  return "linux";
#else
  return "other";
#endif
}

std::tm utc_calendar(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::tm local_calendar(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

std::time_t utc_seconds(const std::tm& utc) {
  std::tm copy = utc;
  return timegm(&copy);
}

bool is_terminal(std::FILE* stream) { return stream && isatty(fileno(stream)) != 0; }

size_t terminal_columns(std::FILE* stream) {
  winsize ws{};
  if (stream && ioctl(fileno(stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) return ws.ws_col;
  return 80;
}

bool may_write_in(const std::string& path) { return ::access(path.c_str(), W_OK) == 0; }

std::optional<std::string> create_unique_file(const std::string& prefix) {
  std::string name = prefix + ".XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return std::nullopt;
  ::close(fd);
  return name;
}

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    status_ = Status::empty;
    return;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    status_ = Status::cannot_map;
    return;
  }
  data_ = static_cast<const unsigned char*>(map);
  size_ = size;
  status_ = Status::ok;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

}  // namespace certwiz

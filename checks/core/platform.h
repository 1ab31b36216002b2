#pragma once
// What differs between operating systems and the shared code needs, behind one small
// interface: shared files include this instead of POSIX or Windows headers, and each
// platform_<os>.cpp answers for its own system.
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace certwiz {

// "linux", "windows", "macos", or "other" (package manifests and site profiles use these).
std::string_view os_name();

// Calendar time of `t` in UTC and in the local time zone (thread-safe).
std::tm utc_calendar(std::time_t t);
std::tm local_calendar(std::time_t t);
// The inverse of utc_calendar: seconds since the epoch of a calendar time in UTC (timegm).
std::time_t utc_seconds(const std::tm& utc);

// Whether `stream` is an interactive terminal (console on Windows).
bool is_terminal(std::FILE* stream);
// Width of the terminal behind `stream` in columns; 80 when it is not a terminal or unknown.
size_t terminal_columns(std::FILE* stream);

// Whether this user may create files in the folder `path` (access(W_OK)); errno says why not.
bool may_write_in(const std::string& path);

// Creates a new empty file named `prefix` plus a random suffix, never an existing one;
// its name, or nullopt when it cannot be created.
std::optional<std::string> create_unique_file(const std::string& prefix);

// A whole file mapped read-only: a 20 MB CRL is decoded from the page cache instead of
// being copied into a second buffer first.
class MappedFile {
 public:
  enum class Status { ok, cannot_open, empty, cannot_map };
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  Status status() const { return status_; }
  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  Status status_ = Status::cannot_open;
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace certwiz

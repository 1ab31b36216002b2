// Windows half of checks/core/platform.h.
#include <windows.h>
#include <io.h>

#include <random>
#include <string>

#include "checks/core/platform.h"
#include "checks/core/wide_text.h"

namespace certwiz {

std::string_view os_name() { return "windows"; }

std::tm utc_calendar(std::time_t t) {
  std::tm tm{};
  gmtime_s(&tm, &t);
  return tm;
}

std::tm local_calendar(std::time_t t) {
  std::tm tm{};
  localtime_s(&tm, &t);
  return tm;
}

std::time_t utc_seconds(const std::tm& utc) {
  std::tm copy = utc;
  return _mkgmtime(&copy);
}

bool is_terminal(std::FILE* stream) {
  if (!stream) return false;
  // _isatty is also true for NUL; a console handle answers GetConsoleMode.
  const HANDLE h = reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stream)));
  DWORD mode = 0;
  return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode) != 0;
}

size_t terminal_columns(std::FILE* stream) {
  if (!stream) return 80;
  const HANDLE h = reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stream)));
  CONSOLE_SCREEN_BUFFER_INFO info{};
  if (h != INVALID_HANDLE_VALUE && GetConsoleScreenBufferInfo(h, &info)) {
    const int cols = info.srWindow.Right - info.srWindow.Left + 1;
    if (cols > 10) return static_cast<size_t>(cols);
  }
  return 80;
}

bool may_write_in(const std::string& path) { return _waccess(wide(path).c_str(), 2) == 0; }  // 2: write

std::optional<std::string> create_unique_file(const std::string& prefix) {
  std::random_device rd;
  for (int attempt = 0; attempt < 32; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, ".%08x", static_cast<unsigned>(rd()));
    const std::string name = prefix + suffix;
    // CREATE_NEW fails when the name exists: never an existing file, as mkstemp.
    const HANDLE h = CreateFileW(wide(name).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h != INVALID_HANDLE_VALUE) {
      CloseHandle(h);
      return name;
    }
    if (GetLastError() != ERROR_FILE_EXISTS) return std::nullopt;
  }
  return std::nullopt;
}

MappedFile::MappedFile(const std::string& path) {
  const HANDLE file = CreateFileW(wide(path).c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                                  FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return;
  LARGE_INTEGER size{};
  if (!GetFileSizeEx(file, &size) || size.QuadPart <= 0) {
    CloseHandle(file);
    status_ = Status::empty;
    return;
  }
  const HANDLE mapping = CreateFileMappingW(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
  CloseHandle(file);
  if (!mapping) {
    status_ = Status::cannot_map;
    return;
  }
  // The view keeps the mapping (and the file) alive after both handles are closed.
  const void* view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
  CloseHandle(mapping);
  if (!view) {
    status_ = Status::cannot_map;
    return;
  }
  data_ = static_cast<const unsigned char*>(view);
  size_ = static_cast<size_t>(size.QuadPart);
  status_ = Status::ok;
}

MappedFile::~MappedFile() {
  if (data_) UnmapViewOfFile(data_);
}

}  // namespace certwiz

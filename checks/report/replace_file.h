#pragma once
// Writing a report file safely: through a temporary beside the target, created
// exclusively (a symlink planted at the temporary's name is never followed, a file
// already there never reused), renamed into place once complete.
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "checks/core/result.h"

namespace certwiz::report {

// Who may read a written file. A redacted report follows the user's umask (it is
// meant to be sent on); one that keeps personal data (--no-redact) is the owner's
// alone (0600 on POSIX).
enum class FileAccess { usual, owner_only };

// Calls `fill` with a new temporary file beside `path`, then renames it onto `path`.
// `fill` returns what went wrong, or an empty string. REPORT-WRITE-FAILED on any
// failure, and then no temporary is left behind.
std::optional<Error> replace_file(const std::string& path, FileAccess access,
                                  const std::function<std::string(std::FILE*)>& fill);

namespace detail {
// Platform half (files_posix.cpp, files_win.cpp).
// Creates `path` for writing; nullptr with errno EEXIST when anything is there
// already, a symlink (even a dangling one) included.
std::FILE* create_new_file(const std::string& path, FileAccess access);
// Flushes `f` to the disk, before it is renamed into place.
bool sync_file(std::FILE* f);
}  // namespace detail

}  // namespace certwiz::report

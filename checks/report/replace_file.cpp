#include "checks/report/replace_file.h"

#include <openssl/rand.h>

#include <cerrno>
#include <cstring>

namespace certwiz::report {
namespace {

Error write_error(const std::string& path, const std::string& what) {
  return Error{"REPORT-WRITE-FAILED", path + ": " + what};
}

// "<path>.part-<16 hex digits>": unpredictable, so nobody can plant anything at the
// name in advance, and in the target's folder, so the rename is atomic.
std::optional<std::string> temporary_name(const std::string& path) {
  unsigned char r[8];
  if (RAND_bytes(r, sizeof r) != 1) return std::nullopt;
  static constexpr char hex[] = "0123456789abcdef";
  std::string name = path + ".part-";
  for (unsigned char c : r) {
    name += hex[c >> 4];
    name += hex[c & 15];
  }
  return name;
}

}  // namespace

std::optional<Error> replace_file(const std::string& path, FileAccess access,
                                  const std::function<std::string(std::FILE*)>& fill) {
  std::string tmp;
  std::FILE* f = nullptr;
  for (int attempt = 0; attempt < 8 && !f; ++attempt) {
    const auto name = temporary_name(path);
    if (!name) return write_error(path, "no random name for the temporary file (RAND_bytes failed)");
    tmp = *name;
    f = detail::create_new_file(tmp, access);
    if (!f && errno != EEXIST) return write_error(path, std::strerror(errno));
  }
  if (!f) return write_error(path, "no free temporary file name");
  std::string why = fill(f);
  if (why.empty() && !detail::sync_file(f)) why = std::strerror(errno);
  if (std::fclose(f) != 0 && why.empty()) why = std::strerror(errno);
  if (why.empty() && std::rename(tmp.c_str(), path.c_str()) != 0) why = std::strerror(errno);
  if (!why.empty()) {
    std::remove(tmp.c_str());
    return write_error(path, why);
  }
  return std::nullopt;
}

}  // namespace certwiz::report

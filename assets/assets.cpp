#include "assets/assets.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace certwiz {

namespace fs = std::filesystem;

std::string assets_dir() {
  if (const char* env = std::getenv("CERTWIZ_ASSETS"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "certwiz";
    if (fs::exists(installed / "trust", ec)) return installed.string();
  }
  return CERTWIZ_SOURCE_ASSETS;
}

std::string asset_path(std::string_view relative) { return assets_dir() + "/" + std::string(relative); }

}  // namespace certwiz

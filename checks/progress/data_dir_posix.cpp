// XDG Base Directory: $XDG_DATA_HOME when it is an absolute path, else $HOME/.local/share.
#include <cstdlib>
#include <string>

#include "checks/progress/data_dir.h"

namespace certwiz::progress {

std::optional<std::string> user_data_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  // The specification ignores a relative value: it would depend on the working folder.
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/certwiz";
  const char* home = std::getenv("HOME");
  if (home && home[0] == '/') return std::string(home) + "/.local/share/certwiz";
  return std::nullopt;
}

}  // namespace certwiz::progress

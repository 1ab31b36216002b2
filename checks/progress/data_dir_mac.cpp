// ~/Library/Application Support/CertWiz, where macOS applications keep their own data.
#include <cstdlib>
#include <string>

#include "checks/progress/data_dir.h"

namespace certwiz::progress {

std::optional<std::string> user_data_dir() {
  const char* home = std::getenv("HOME");
  if (!home || home[0] != '/') return std::nullopt;
  return std::string(home) + "/Library/Application Support/CertWiz";
}

}  // namespace certwiz::progress

// %LOCALAPPDATA%\CertWiz: per user and per machine (progress holds personal data and
// paths of this computer, so it does not roam with the profile).
#include <cstdlib>
#include <string>

#include "checks/progress/data_dir.h"

namespace certwiz::progress {

std::optional<std::string> user_data_dir() {
  const char* base = std::getenv("LOCALAPPDATA");
  if (!base || !*base) return std::nullopt;
  return std::string(base) + "\\CertWiz";
}

}  // namespace certwiz::progress

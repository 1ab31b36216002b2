// Windows: HiCOS_Client.exe installs %windir%\System32\HiCOSPKCS11.dll.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "checks/pkcs11/discovery.h"

namespace certwiz::pkcs11 {

std::vector<SearchRoot> hicos_search_roots() {
  const char* windir = std::getenv("windir");
  const std::string base = windir && *windir ? windir : "C:\\Windows";
  return {{base + "\\System32\\HiCOSPKCS11.dll", 0}};
}

bool looks_like_hicos_module(std::string_view file_name) {
  std::string n(file_name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return n.find("hicos") != std::string::npos && n.size() > 4 && n.compare(n.size() - 4, 4, ".dll") == 0;
}

std::vector<std::string> p11kit_config_dirs() { return {}; }

}  // namespace certwiz::pkcs11

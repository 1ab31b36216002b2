// macOS: HiPKILocalSignServer.pkg installs libHicos_p11v1.dylib ("CHT PKCS#11").
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "checks/pkcs11/discovery.h"

namespace certwiz::pkcs11 {

std::vector<SearchRoot> hicos_search_roots() {
  return {{"/usr/local/lib", 1}, {"/Library/HiPKILocalSignServer", 4}, {"/Applications/HiPKILocalSignServer.app", 5}};
}

bool looks_like_hicos_module(std::string_view file_name) {
  std::string n(file_name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return n.find("hicos") != std::string::npos && n.size() > 6 && n.compare(n.size() - 6, 6, ".dylib") == 0;
}

std::vector<std::string> p11kit_config_dirs() {
  std::vector<std::string> dirs = {"/usr/local/share/p11-kit/modules", "/etc/pkcs11/modules"};
  if (const char* h = std::getenv("HOME"); h && *h) dirs.push_back(std::string(h) + "/.config/pkcs11/modules");
  return dirs;
}

Json hicos_installation_facts() { return Json::object(); }

}  // namespace certwiz::pkcs11

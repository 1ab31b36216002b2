// Linux: HiCOS ships as HiPKILocalSignServerApp; its PKCS#11 file name is unverified
// (libHicos_p11v1.so is likely), so files are matched by pattern in the likely places.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "checks/pkcs11/discovery.h"

namespace certwiz::pkcs11 {
namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
std::string home() {
  const char* h = std::getenv("HOME");
  return h && *h ? h : "";
}
}  // namespace

std::vector<SearchRoot> hicos_search_roots() {
  std::vector<SearchRoot> roots = {
      {"/usr/local/HiPKILocalSignServerApp", 4},
      {"/usr/lib", 1},  // includes the multiarch directory
      {"/usr/local/lib", 1},
  };
  const char* xdg = std::getenv("XDG_DATA_HOME");
  const std::string data = xdg && *xdg ? std::string(xdg) : (home().empty() ? "" : home() + "/.local/share");
  if (!data.empty()) roots.push_back({data + "/certwiz/hicos", 3});
  return roots;
}

bool looks_like_hicos_module(std::string_view file_name) {
  const std::string n = lower(file_name);
  if (n.find("hicos") == std::string::npos) return false;
  const bool shared_object = (n.size() > 3 && n.compare(n.size() - 3, 3, ".so") == 0) || n.find(".so.") != std::string::npos;
  return shared_object && (n.find("p11") != std::string::npos || n.find("pkcs11") != std::string::npos);
}

std::vector<std::string> p11kit_config_dirs() {
  std::vector<std::string> dirs = {"/usr/share/p11-kit/modules", "/etc/pkcs11/modules"};
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) dirs.push_back(std::string(xdg) + "/pkcs11/modules");
  else if (!home().empty()) dirs.push_back(home() + "/.config/pkcs11/modules");
  return dirs;
}

Json hicos_installation_facts() { return Json::object(); }

}  // namespace certwiz::pkcs11

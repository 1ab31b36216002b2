// Other systems: no known HiCOS install location; only an explicit module path works.
#include "checks/pkcs11/discovery.h"

namespace certwiz::pkcs11 {

std::vector<SearchRoot> hicos_search_roots() { return {}; }
bool looks_like_hicos_module(std::string_view) { return false; }
std::vector<std::string> p11kit_config_dirs() { return {}; }

Json hicos_installation_facts() { return Json::object(); }

}  // namespace certwiz::pkcs11

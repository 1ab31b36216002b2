#include "checks/pkcs11/names.h"

#include "checks/pkcs11/cryptoki.h"

#include <cstdio>
#include <string_view>
#include <utility>

namespace certwiz::pkcs11 {
namespace {

// Return values (CKR_) and mechanisms (CKM_) share the number space, so a name is
// looked up by its value and its prefix.
constexpr std::pair<unsigned long, const char*> kNames[] = {
#define CERTWIZ_P11_NAME(x) {x, #x},
#include "checks/pkcs11/names.def"
#undef CERTWIZ_P11_NAME
};

std::string lookup(unsigned long v, std::string_view prefix) {
  for (const auto& [value, name] : kNames)
    if (value == v && std::string_view(name).starts_with(prefix)) return name;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s0x%lx", std::string(prefix).c_str(), v);
  return buf;
}

}  // namespace

std::string rv_name(unsigned long rv) { return lookup(rv, "CKR_"); }
std::string mechanism_name(unsigned long mechanism) { return lookup(mechanism, "CKM_"); }

}  // namespace certwiz::pkcs11

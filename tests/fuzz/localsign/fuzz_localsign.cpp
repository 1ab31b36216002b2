// Feeds arbitrary bytes to the parsers of the local signing component's answers: the
// version page, /pkcs11info and /sign. They must return a value or LOCALSIGN-MALFORMED.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "checks/localsign/client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto check = [](const auto& r) {
    if (!r && r.error().code != "LOCALSIGN-MALFORMED") std::abort();
  };
  check(certwiz::localsign::parse_version_page(in));
  check(certwiz::localsign::parse_pkcs11info(in));
  check(certwiz::localsign::parse_sign_response(in));
  return 0;
}

#pragma once
// Step 3 of bind and login (docs/site-protocol.md): the CMS SignedData answering a
// challenge. One signer, its certificate attached, the signature good, eContent the
// issued text and the nonce attribute the issued nonce; each failure its own wire code.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tests/lab/site/requests.h"

namespace certwiz::site_server {

inline constexpr const char* kNonceAttributeOid = "1.2.840.113549.1.9.25.3";

struct SignedAnswer {
  std::string signer_der;               // the leaf certificate that signed
  std::vector<std::string> other_certs;  // the rest of the CMS's certificates (DER)
};

std::variant<SignedAnswer, WireFailure> check_cms(std::string_view signature_base64, std::string_view tbs,
                                                  std::string_view nonce);

}  // namespace certwiz::site_server

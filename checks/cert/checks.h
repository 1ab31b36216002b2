#pragma once
// The certificate checks of a diagnosis: for the card's SIGN and KEYX certificates,
// identity, validity, chain and revocation. The certificates come from the evidence
// of "pkcs11.tokens" (see card_certs.h).
#include <vector>

#include "checks/core/check.h"
#include "checks/core/options.h"

namespace certwiz::cert {

inline constexpr const char* kTokensCheckId = "pkcs11.tokens";

// cert.sign.identity, cert.sign.validity, cert.sign.chain, cert.sign.revocation and the
// same four for keyx.
std::vector<Check> cert_checks(const RunOptions& options);

}  // namespace certwiz::cert

#pragma once
// The certificate checks of a diagnosis: for the card's SIGN and KEYX certificates,
// identity, validity, chain and revocation. The certificates come from the evidence
// of "pkcs11.tokens" (see card_certs.h) or, when no PKCS#11 module gave any, from the
// same-shaped evidence of "card.contents" (checks/card reads the card itself).
#include <vector>

#include "checks/core/check.h"
#include "checks/core/options.h"

namespace certwiz::cert {

inline constexpr const char* kTokensCheckId = "pkcs11.tokens";
inline constexpr const char* kCardContentsCheckId = "card.contents";

// cert.sign.identity, cert.sign.validity, cert.sign.chain, cert.sign.revocation and the
// same four for keyx. `sources`: the checks whose evidence lists the cards, in order of
// preference; the first that passed (or warned) with cards is used.
std::vector<Check> cert_checks(const RunOptions& options, std::vector<std::string> sources = {kTokensCheckId});

}  // namespace certwiz::cert

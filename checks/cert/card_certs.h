#pragma once
// The certificates on the inserted cards, read from the evidence of the check
// "pkcs11.tokens" (checks/pkcs11 writes it; this module reads only its JSON shape):
//   {"tokens":[{"slot_id":..,"reader":"..","label":"..","serial":"..",
//               "certificates":[{"id":"5349474e","label":"SIGN","der_base64":"..."}]}]}
#include <cstdint>
#include <string>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::cert {

// What a card certificate is for: SIGN (login, signing), KEYX (encryption), a CA
// certificate the card carries, or something else.
enum class CardCertRole { sign, keyx, ca, other };
std::string_view card_cert_role_name(CardCertRole r);

struct CardCertificate {
  std::string object_id;  // CKA_ID as hex, e.g. "5349474e"
  std::string label;
  std::string der;        // empty when der_base64 did not decode
  CardCertRole role = CardCertRole::other;
};

struct CardToken {
  uint64_t slot_id = 0;
  std::string reader, label, serial;
  std::vector<CardCertificate> certificates;

  // DER of the CA certificates the card carries (chain building intermediates).
  std::vector<std::string> ca_certificates() const;
  const CardCertificate* find(CardCertRole role) const;
};

// CERT-MALFORMED when the evidence does not have the shape above. Certificates
// whose base64 is broken are kept with an empty `der` (the checks report them).
Expected<std::vector<CardToken>> card_tokens_from_evidence(const Json& evidence);

}  // namespace certwiz::cert

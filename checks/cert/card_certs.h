#pragma once
// The certificates on the inserted cards, as the certificate checks judge them. Two
// sources publish them: "pkcs11.tokens" (its model, pkcs11::TokenInventory, is turned
// into CardTokens here: checks/cert sits above checks/pkcs11) and "card.contents"
// (checks/card, above this module, publishes a CardTokens model of its own).
// card_tokens_from_evidence reads the same cards from the pkcs11.tokens evidence JSON
// of a saved report:
//   {"tokens":[{"slot_id":..,"reader":"..","label":"..","serial":"..",
//               "certificates":[{"id":"5349474e","label":"SIGN","der_base64":"..."}]}]}
#include <cstdint>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "checks/pkcs11/token.h"

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

// A card certificate with its role from CKA_ID, label or (for a CA) the certificate.
CardCertificate make_card_certificate(std::string object_id, std::string label, std::string der);

// The cards a source check read, in its result's model.
struct CardTokens {
  std::vector<CardToken> tokens;
};

// The cards of a PKCS#11 token inventory (certificates whose base64 is broken are
// kept with an empty `der`, as below).
CardTokens card_tokens_from(const pkcs11::TokenInventory& inventory);

// CERT-MALFORMED when the evidence does not have the shape above. Certificates
// whose base64 is broken are kept with an empty `der` (the checks report them).
Expected<std::vector<CardToken>> card_tokens_from_evidence(const Json& evidence);

}  // namespace certwiz::cert

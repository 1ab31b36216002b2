#pragma once
// What the engine knows about the cards a PKCS#11 module sees, typed: slots (readers),
// tokens, each token's PIN state as its flags tell it (read without a login), its
// mechanisms and objects. pkcs11.tokens carries a TokenInventory as its model and
// writes its evidence from it (to_json); PinGuard::pin_state turns a Token's flags into
// "locked" / "final try" / "tries left".
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::pkcs11 {

struct Slot {
  unsigned long slot_id = 0;
  std::string reader;  // the slot description: the reader's name
  std::string manufacturer;
  bool token_present = false;
  Json error = nullptr;        // the module's error for this slot, as the host reported it
  Json token_error = nullptr;  // the error reading the token info
  std::optional<bool> token_initialized;  // when a token was there
};

// The token's PIN flags and length limits (CK_TOKEN_INFO), not yet interpreted.
struct TokenPin {
  std::optional<unsigned long long> min, max;  // nullopt: the module does not say
  bool count_low = false, final_try = false, locked = false;
};

struct TokenCertificate {
  std::string id;  // CKA_ID as hex
  std::string label;
  std::string der_base64;
};

struct Token {
  unsigned long slot_id = 0;
  std::string reader, label, manufacturer, model, serial;
  Json flags = Json::object();  // the token flags as the module reported them
  TokenPin pin;
  Json mechanisms = Json::array();  // [{"name","type","min_key_bits",...}]
  std::vector<TokenCertificate> certificates;
  Json keys = Json::array();  // [{"class","id","label", attributes...}]
  std::string mechanisms_error;  // why the mechanisms could not be listed
  std::optional<Error> error;    // why the objects could not be read
};

struct TokenInventory {
  std::vector<Slot> slots;
  std::vector<Token> tokens;
  std::string module;  // the module path the inventory was read through (when known)

  // The token in `reader` (exact slot description); with an empty `reader`, the first.
  const Token* find(const std::string& reader) const;
};

// The PIN part of a token: from a token-info answer of the host.
TokenPin token_pin_from_info(const Json& token_info);

Json to_json(const TokenPin& p);
Json to_json(const Slot& s);
Json to_json(const Token& t);
// {"slots":[...],"tokens":[...]} (the module path is left to the caller).
Json to_json(const TokenInventory& inv);

}  // namespace certwiz::pkcs11

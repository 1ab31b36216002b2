#pragma once
// What is on the cards: slots (readers), tokens, their PIN state, mechanisms and objects,
// in the evidence shape other modules read (pkcs11.tokens):
// {"slots":[...], "tokens":[{"slot_id","reader","label","manufacturer","model","serial",
//   "flags":{...},"pin":{"min","max","count_low","final_try","locked"},"mechanisms":[...],
//   "certificates":[{"id","label","der_base64"}],"keys":[...]}]}
#include <memory>

#include "checks/core/result.h"
#include "checks/pkcs11/module_host.h"

namespace certwiz::pkcs11 {

// Reads every slot and, for each token, its objects (without logging in: nothing here
// touches the PIN counter). A token whose details cannot be read keeps an "error".
Expected<Json> collect_inventory(const std::shared_ptr<ModuleHost>& host);

// The "pin" object of the evidence from a token-info answer.
Json pin_state(const Json& token_info);

// The tokens of an inventory a self-test may use: the one in `reader` (exact slot
// description) when given, else the only one. P11-NO-TOKEN, P11-READER-NOT-FOUND,
// P11-MULTIPLE-TOKENS otherwise.
Expected<Json> choose_token(const Json& inventory, const std::string& reader);

}  // namespace certwiz::pkcs11

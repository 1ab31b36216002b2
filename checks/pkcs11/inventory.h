#pragma once
// What is on the cards: slots (readers), tokens, their PIN state, mechanisms and objects,
// read into a TokenInventory (token.h). Its JSON (to_json) is the evidence shape other
// readers of a report see (pkcs11.tokens):
// {"slots":[...], "tokens":[{"slot_id","reader","label","manufacturer","model","serial",
//   "flags":{...},"pin":{"min","max","count_low","final_try","locked"},"mechanisms":[...],
//   "certificates":[{"id","label","der_base64"}],"keys":[...]}]}
#include <memory>

#include "checks/core/result.h"
#include "checks/pkcs11/module_host.h"
#include "checks/pkcs11/token.h"

namespace certwiz::pkcs11 {

// Reads every slot and, for each token, its objects (without logging in: nothing here
// touches the PIN counter). A token whose details cannot be read keeps an `error`.
Expected<TokenInventory> collect_tokens(const std::shared_ptr<ModuleHost>& host);
// The same, as JSON (to_json of the inventory).
Expected<Json> collect_inventory(const std::shared_ptr<ModuleHost>& host);

// The token of an inventory a self-test may use: the one in `reader` (exact slot
// description) when given, else the only one. P11-NO-TOKEN, P11-READER-NOT-FOUND,
// P11-MULTIPLE-TOKENS otherwise.
Expected<Token> choose_token(const TokenInventory& inventory, const std::string& reader);
Expected<Json> choose_token(const Json& inventory, const std::string& reader);

}  // namespace certwiz::pkcs11

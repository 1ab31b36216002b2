#pragma once
// The only way to C_Login: reads the token's PIN flags first, refuses a locked card and
// (unless the user confirmed it separately) a card on its final try, checks the PIN's
// form locally so a malformed PIN never reaches the card, then makes exactly one
// C_Login. It never retries.
#include <optional>
#include <string>
#include <string_view>

#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/pkcs11/session.h"
#include "checks/pkcs11/token.h"

namespace certwiz::pkcs11 {

// What a PIN must look like before it goes to a card.
struct PinRule {
  size_t min = 0;
  size_t max = 0;
  bool letters_and_digits_only = false;
};

// HiCOS cards (MOICA, MOEACA): 6 to 8 letters or digits, locked after 3 wrong tries.
inline constexpr PinRule kHicosPinRule{6, 8, true};
inline constexpr int kHicosPinTries = 3;

struct PinAttempt {
  bool logged_in = false;
  bool login_sent = false;        // whether C_Login was called at all
  std::optional<Error> error;     // why not logged in
  bool count_low_before = false;  // the card had recorded a wrong PIN before this attempt
  std::optional<int> tries_left;  // after the attempt, when the flags tell
  Json evidence = Json::object(); // flags before/after, rule applied (never the PIN)
};

// What a card's PIN flags mean for whoever is about to send a PIN.
struct PinStatus {
  bool locked = false;     // no PIN may be tried
  bool final_try = false;  // a wrong PIN now locks the card
  bool count_low = false;  // the card recorded a wrong PIN
  std::optional<int> tries_left;  // nullopt: the card does not tell
};

class PinGuard {
 public:
  PinGuard(Session& session, bool confirm_final_try) : session_(session), confirm_final_try_(confirm_final_try) {}

  PinAttempt login(const Secret& pin);

  // The rule for a token: HiCOS's when the token is a HiCOS card, narrowed by the
  // token's own ulMinPinLen / ulMaxPinLen.
  static PinRule rule_for(const Json& token_info);
  // Empty when `pin` fits `rule`; otherwise what is wrong (no PIN characters in it).
  static std::optional<std::string> check_form(const Secret& pin, const PinRule& rule);
  // Tries left as the flags tell it (HiCOS cards: 3 tries); nullopt when unknown.
  static std::optional<int> tries_left(const Json& token_info);
  // The one rule before a PIN goes to a card, or to anything that logs in with it (the
  // local signing component, the PIN dialog's OK): never to a locked card, and on the
  // final try only when the user confirmed it. nullopt: the PIN may go. The error's
  // detail ends with `unsent`, what was not done ("no C_Login made").
  static std::optional<Error> refusal(bool locked, bool final_try, bool confirmed, std::string_view unsent);
  // The one reading of a token's PIN state: "locked", "final try" and "tries left" come
  // from here, for the guard itself, the dialogs and the signers.
  static PinStatus pin_state(const Token& token);

 private:
  Session& session_;
  bool confirm_final_try_;
};

}  // namespace certwiz::pkcs11

#include "checks/pkcs11/pin_guard.h"

#include <algorithm>
#include <cctype>

namespace certwiz::pkcs11 {
namespace {

bool is_hicos(std::string_view label, std::string_view model) {
  auto has = [](std::string_view v, std::string_view what) {
    std::string s(v);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s.find(what) != std::string::npos;
  };
  return has(label, "hicos") || has(model, "hicos");
}

bool is_hicos(const Json& t) { return is_hicos(t.value("label", ""), t.value("model", "")); }

PinStatus status_of(const TokenPin& pin, bool hicos) {
  PinStatus s{pin.locked, pin.final_try, pin.count_low, std::nullopt};
  if (pin.locked) s.tries_left = 0;
  else if (pin.final_try) s.tries_left = 1;
  else if (hicos) s.tries_left = pin.count_low ? kHicosPinTries - 1 : kHicosPinTries;
  // Otherwise COUNT_LOW alone says "fewer", not how many.
  return s;
}

}  // namespace

PinRule PinGuard::rule_for(const Json& token_info) {
  PinRule r = is_hicos(token_info) ? kHicosPinRule : PinRule{1, Secret::kMaxSize, false};
  const TokenPin pin = token_pin_from_info(token_info);
  if (pin.min) r.min = std::max(r.min, static_cast<size_t>(*pin.min));
  if (pin.max && *pin.max > 0) r.max = std::min(r.max, static_cast<size_t>(*pin.max));
  return r;
}

std::optional<std::string> PinGuard::check_form(const Secret& pin, const PinRule& rule) {
  const std::string_view p = pin.reveal();
  if (p.size() < rule.min || p.size() > rule.max)
    return "length " + std::to_string(p.size()) + " outside " + std::to_string(rule.min) + ".." + std::to_string(rule.max);
  if (rule.letters_and_digits_only)
    for (char c : p)
      if (!std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) > 0x7f)
        return "characters other than ASCII letters and digits";
  return std::nullopt;
}

std::optional<int> PinGuard::tries_left(const Json& t) { return status_of(token_pin_from_info(t), is_hicos(t)).tries_left; }

PinStatus PinGuard::pin_state(const Token& token) { return status_of(token.pin, is_hicos(token.label, token.model)); }

std::optional<Error> PinGuard::refusal(bool locked, bool final_try, bool confirmed, std::string_view unsent) {
  if (locked) return Error{"P11-PIN-LOCKED", "the card's PIN is locked (CKF_USER_PIN_LOCKED); " + std::string(unsent)};
  if (final_try && !confirmed)
    return Error{"P11-PIN-FINAL-TRY-REFUSED",
                 "final PIN try (CKF_USER_PIN_FINAL_TRY) not confirmed; " + std::string(unsent)};
  return std::nullopt;
}

PinAttempt PinGuard::login(const Secret& pin) {
  PinAttempt a;
  auto before = session_.token_info();
  if (!before) {
    a.error = before.error();
    return a;
  }
  a.evidence["flags_before"] = (*before)["flags"];
  const PinStatus state = status_of(token_pin_from_info(*before), is_hicos(*before));
  a.count_low_before = state.count_low;
  if (auto refused = refusal(state.locked, state.final_try, confirm_final_try_, "no C_Login made")) {
    a.tries_left = state.locked ? 0 : 1;
    a.error = std::move(refused);
    return a;
  }
  const PinRule rule = rule_for(*before);
  a.evidence["pin_rule"] = Json{{"min", rule.min}, {"max", rule.max}, {"letters_and_digits_only", rule.letters_and_digits_only}};
  if (auto wrong = check_form(pin, rule)) {
    a.tries_left = state.tries_left;
    a.error = Error{"P11-PIN-FORMAT", *wrong + "; not sent to the card"};
    return a;
  }
  a.login_sent = true;
  auto r = session_.login(pin);
  if (r) {
    a.logged_in = true;
    if (auto after = session_.token_info()) {
      a.evidence["flags_after"] = (*after)["flags"];
      a.tries_left = tries_left(*after);
    }
    return a;
  }
  a.error = r.error();
  // After a refused PIN the flags say how many tries remain; read them, never retry.
  if (session_.host().alive()) {
    if (auto after = session_.token_info()) {
      a.evidence["flags_after"] = (*after)["flags"];
      a.tries_left = tries_left(*after);
    }
  }
  return a;
}

}  // namespace certwiz::pkcs11

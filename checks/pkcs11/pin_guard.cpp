#include "checks/pkcs11/pin_guard.h"

#include <algorithm>
#include <cctype>

namespace certwiz::pkcs11 {
namespace {

bool is_hicos(const Json& t) {
  auto has = [](std::string s, std::string_view what) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s.find(what) != std::string::npos;
  };
  return has(t.value("label", ""), "hicos") || has(t.value("model", ""), "hicos");
}

bool flag(const Json& t, const char* name) {
  return t.contains("flags") && t["flags"].value(name, false);
}

std::optional<size_t> length_field(const Json& t, const char* name) {
  if (!t.contains(name) || !t[name].is_number_integer() || t[name].get<long long>() < 0) return std::nullopt;
  return t[name].get<size_t>();
}

}  // namespace

PinRule PinGuard::rule_for(const Json& token_info) {
  PinRule r = is_hicos(token_info) ? kHicosPinRule : PinRule{1, Secret::kMaxSize, false};
  if (auto mn = length_field(token_info, "min_pin")) r.min = std::max(r.min, *mn);
  if (auto mx = length_field(token_info, "max_pin"); mx && *mx > 0) r.max = std::min(r.max, *mx);
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

std::optional<int> PinGuard::tries_left(const Json& t) {
  if (flag(t, "user_pin_locked")) return 0;
  if (flag(t, "user_pin_final_try")) return 1;
  if (!is_hicos(t)) return std::nullopt;  // COUNT_LOW alone says "fewer", not how many
  return flag(t, "user_pin_count_low") ? kHicosPinTries - 1 : kHicosPinTries;
}

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
  a.count_low_before = flag(*before, "user_pin_count_low");
  const bool locked = flag(*before, "user_pin_locked");
  if (auto refused = refusal(locked, flag(*before, "user_pin_final_try"), confirm_final_try_, "no C_Login made")) {
    a.tries_left = locked ? 0 : 1;
    a.error = std::move(refused);
    return a;
  }
  const PinRule rule = rule_for(*before);
  a.evidence["pin_rule"] = Json{{"min", rule.min}, {"max", rule.max}, {"letters_and_digits_only", rule.letters_and_digits_only}};
  if (auto wrong = check_form(pin, rule)) {
    a.tries_left = tries_left(*before);
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

#pragma once
// The chosen password (自訂密碼): the site's policy (length, kinds of characters) plus
// libpwquality's dictionary and guessability checks, and a strength score for the UI.
#include <string>
#include <vector>

#include "checks/core/secret.h"
#include "checks/form/rules.h"

namespace certwiz::form {

// From the site profile's "password_policy".
struct PasswordPolicy {
  int min_length = 8;
  bool require_letter = true;
  bool require_digit = true;
  bool require_special = true;
};

enum class PasswordStrength { weak, fair, strong };

struct PasswordFeedback {
  int score = 0;  // libpwquality's 0..100; 0 when the password was refused
  PasswordStrength strength = PasswordStrength::weak;
  Text summary;   // one line for the UI ("強度：強" / "Strength: strong")
  bool dictionary_checked = false;  // false when no cracklib dictionary was found
};

struct PasswordCheck {
  std::vector<Problem> problems;  // every policy failure, not just the first
  std::vector<Problem> warnings;  // e.g. FORM-PASSWORD-DICT-MISSING
  PasswordFeedback feedback;
};

// `related` are values the password must not contain (UBN, owner ID...).
// `dict_path` overrides cracklib's dictionary (without the .pwd suffix); empty means
// the system's. When no dictionary exists the dictionary check is skipped with a warning.
PasswordCheck check_password(const Secret& password, const PasswordPolicy& policy,
                             const std::vector<std::string>& related = {}, const std::string& dict_path = {});

// Where the system's cracklib dictionary is (prefix, without .pwd); empty when none.
std::string find_cracklib_dictionary();

}  // namespace certwiz::form

#pragma once
// What the form reads from a site profile (assets/sites/*.json): the control-number
// pattern and the password policy. The profile is a flat JSON object shared with other
// modules, so keys this module does not know are ignored here.
#include <memory>
#include <regex>
#include <string>

#include "checks/core/result.h"
#include "checks/form/password.h"

namespace certwiz::form {

struct FormProfile {
  std::string control_no_pattern;                 // ECMAScript regex, whole-string match
  std::shared_ptr<const std::regex> control_no;   // compiled from the pattern
  PasswordPolicy password;
};

// FORM-PROFILE-INVALID when unreadable, not an object, a key of the wrong type or
// a pattern that does not compile.
Expected<FormProfile> parse_form_profile(const Json& profile);
Expected<FormProfile> load_form_profile(const std::string& path);
// assets/sites/default.json through asset_path().
Expected<FormProfile> load_default_form_profile();

}  // namespace certwiz::form

#pragma once
// Phone and fax numbers, parsed and formatted by libphonenumber for region TW.
#include <optional>
#include <string>
#include <string_view>

#include "checks/form/rules.h"

namespace certwiz::form {

struct PhoneNumber {
  std::string national;    // "02 2311 1234", "0912 345 678": what the printed form shows
  std::string e164;        // "+886223111234"
  std::string extension;   // digits typed after the number ("#123", "ext 123"); may be empty
  bool mobile = false;
};

struct PhoneResult {
  PhoneNumber number;
  std::optional<Problem> problem;
  bool ok() const { return !problem; }
};

// `normalised` has been through normalise_text (half-width, trimmed).
PhoneResult parse_tw_phone(std::string_view normalised);

}  // namespace certwiz::form

#pragma once
// The local signing component's ret_code and last_error values (facts file), each
// mapped to a CertWiz failure code and a plain explanation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checks/core/text.h"

namespace certwiz::localsign {

struct RetCodeInfo {
  uint32_t value;
  std::string_view name;          // "NO_CARD", ...
  std::string_view failure_code;  // "" for success
  Text meaning;
};

// The component answers negative numbers for some codes: read them as unsigned 32-bit.
uint32_t normalize_code(int64_t raw);
// nullptr when the value is not one the component is known to return. Any 0x763000xx
// is a signing error.
const RetCodeInfo* describe_ret_code(uint32_t value);

// last_error after a failed card login: what happened to the PIN.
struct LastError {
  std::string_view name;
  Text meaning;
  std::optional<int> tries_left;  // when the component tells
  bool locked = false;
};
std::optional<LastError> describe_last_error(int64_t raw);

}  // namespace certwiz::localsign

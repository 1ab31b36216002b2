#pragma once
// The card's PIN retry state, read without a login, for callers that hand a PIN to
// something that logs in without looking first (the local signing component spends the
// final try without asking). The module is found as `diagnose` finds it
// (discover_modules, preferred_module): never only from a flag or the environment.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "checks/core/options.h"
#include "checks/core/result.h"

namespace certwiz::pkcs11 {

struct PinStateQuery {
  RunOptions options;  // pkcs11_module (explicit module, may be empty); discovery adds the rest
  std::string reader;  // slot description of the card; empty: the only card
  // The libraryDescription of the module the component itself loaded (its /pkcs11info),
  // asked only when discovery alone finds nothing: a p11-kit-registered module reporting
  // the same description is that module.
  std::function<std::string()> component_library_description;
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};
};

struct CardPinState {
  std::string module;  // the module it was read through
  std::string source;  // "option", "hicos-install", "p11-kit:<file>", "+component-hint"
  std::string reader, serial;
  bool locked = false, final_try = false, count_low = false;
  std::optional<int> tries_left;
};

// P11-NO-MODULE when no module could be found; the module's own errors (load, crash,
// hang) and choose_token's (no token in `reader`, several cards) otherwise.
Expected<CardPinState> read_pin_state(const PinStateQuery& query);

}  // namespace certwiz::pkcs11

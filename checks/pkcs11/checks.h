#pragma once
// The checks of this module, for `certwiz diagnose` and `certwiz selftest`.
//   pkcs11.module  — which PKCS#11 module, and what it says about itself (C_GetInfo, slots)
//   pkcs11.tokens  — cards: token info, PIN state, mechanisms, certificates and keys
//   selftest.pin / .sign / .decrypt / .cms — the card self-tests (need RunOptions::pin)
#include <memory>
#include <vector>

#include "checks/core/check.h"
#include "checks/core/options.h"

namespace certwiz::pkcs11 {

class SharedModuleHost;

// One module host for a whole run: pass the same share to pkcs11_checks and
// selftest_checks (null: each set starts its own).
std::shared_ptr<SharedModuleHost> share_module_host(const RunOptions& options);

std::vector<Check> pkcs11_checks(const RunOptions& options, std::shared_ptr<SharedModuleHost> share = nullptr);
// Depends on pkcs11.tokens (include pkcs11_checks too).
std::vector<Check> selftest_checks(const RunOptions& options, std::shared_ptr<SharedModuleHost> share = nullptr);

}  // namespace certwiz::pkcs11

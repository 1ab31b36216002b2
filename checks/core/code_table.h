#pragma once
// How a module puts its failure codes in the catalogue (checks/core/catalogue.h) without
// the core knowing the module: the module's codes.cpp registers a CodeTable made from
// its codes.def at start-up (checks/core/module_codes.h writes it), and the module's
// CMakeLists calls certwiz_failure_codes(<library>) (top-level CMakeLists.txt) so the
// registration is linked whole into every program that links the module: nothing calls
// into it, and a static library would otherwise leave it out.
#include <span>
#include <string_view>

#include "checks/core/catalogue.h"

namespace certwiz {

struct CodeTable {
  std::string_view module;  // "pcsc", as FailureCode::module
  // Where the module's section stands in the catalogue (and docs/failure-codes.md):
  // modules in rising rank, the core's codes (rank 0) first.
  int rank;
  std::span<const FailureCode> codes;
};

// Adds `table` to the catalogue for the life of the process. Tables are registered
// before main() runs; registering one twice (a program that links a module's codes in
// two ways) adds it once.
class CodeTableRegistration {
 public:
  explicit CodeTableRegistration(const CodeTable& table);
};

}  // namespace certwiz

#pragma once
// The failure-code catalogue: one stable code per user-visible failure, each with a
// one-sentence cause and a remedy in zh_TW and en. The codes are declared in each
// module's codes.def (one source of truth), which the module registers itself
// (checks/core/code_table.h): a program's catalogue holds the core's codes and those of
// the modules it links. docs/failure-codes.md is generated from here.
#include <span>
#include <string_view>

#include "checks/core/actions.h"
#include "checks/core/text.h"

namespace certwiz {

enum class Severity { warn, fail };

struct FailureCode {
  std::string_view code;    // stable, e.g. "PCSC-NO-SERVICE"
  std::string_view module;  // "pcsc", "pkcs11", ...
  Severity severity;
  std::string_view cause_zh, cause_en;
  std::string_view remedy_zh, remedy_en;  // may hold {action:ID} (checks/core/actions.h)

  Text cause() const { return {std::string(cause_zh), std::string(cause_en)}; }
  // In the words of one front end; the neutral form (reports) by default.
  Text remedy(FrontEnd fe = FrontEnd::report) const {
    return render_actions(Text{std::string(remedy_zh), std::string(remedy_en)}, fe);
  }
};

// All codes: modules by rank (the core's first), each in declaration order.
std::span<const FailureCode> failure_codes();
// nullptr when unknown.
const FailureCode* find_failure_code(std::string_view code);

// The catalogue as Markdown (docs/failure-codes.md).
std::string failure_codes_markdown();

}  // namespace certwiz

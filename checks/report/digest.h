#pragma once
// The reading of a report a person needs first: what works, what does not, and the
// one thing to do next (the remedy of the first root failure in dependency order —
// fixing a consequence before its cause wastes the user's time).
#include <vector>

#include "checks/core/report_model.h"

namespace certwiz::report {

struct Digest {
  std::vector<const CheckResult*> working;      // pass
  std::vector<const CheckResult*> not_working;  // fail, warn (in dependency order)
  std::vector<const CheckResult*> undecided;    // skipped, unknown
  // The failure (else the warning) to act on first; nullptr when there is none.
  const CheckResult* next = nullptr;
};

// Pointers into `r`, valid while it lives.
Digest digest(const Report& r);

// Result indices in dependency order (dependencies first), stable otherwise.
std::vector<size_t> dependency_order(const Report& r);

}  // namespace certwiz::report

#pragma once
// One diagnostic run: every module's checks, run by the engine, as a Report.
#include <vector>

#include "checks/core/check.h"
#include "checks/core/options.h"
#include "checks/core/report_model.h"
#include "checks/core/runner.h"

namespace certwiz {

// Every check of a full diagnosis, in display order.
std::vector<Check> diagnose_checks(const RunOptions& options);

// Runs `checks` and wraps the results in a Report (environment facts included).
// `will_redact`: the caller redacts the report next (diagnose does), so what redaction
// needs is loaded while the checks run.
Report run_report(const std::string& command, const std::vector<Check>& checks, const RunOptions& options,
                  RunnerOptions runner, bool will_redact = false);

}  // namespace certwiz

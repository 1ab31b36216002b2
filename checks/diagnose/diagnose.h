#pragma once
// One diagnostic run: every module's checks, run by the engine, as a Report. The CLI
// runs it whole; the wizard's pages run parts of it (select_checks) on a thread of their
// own (run_checks_posting) and gather what they found into one Report (assemble_report).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "checks/core/check.h"
#include "checks/core/options.h"
#include "checks/core/report_model.h"
#include "checks/core/runner.h"

namespace certwiz {

// Every check of a full diagnosis, in display order.
std::vector<Check> diagnose_checks(const RunOptions& options);

// The checks of `all` whose id starts with one of `prefixes`, plus what they depend on
// (transitively), in the engine's order.
std::vector<Check> select_checks(const std::vector<Check>& all, const std::vector<std::string>& prefixes);

// A check starting and finishing, as a front end shows them.
struct CheckEvents {
  std::function<void(const std::string& id, const Text& title)> on_started;
  std::function<void(const CheckResult&)> on_finished;
};
// Hands a piece of work to the front end's own thread (the wizard's UI thread).
using PostToFrontEnd = std::function<void(std::function<void()>)>;
// run_checks on the calling thread, each event handed to `post` with its own copy of
// what it reports (the runner's pointers are valid during its callback only).
std::vector<CheckResult> run_checks_posting(const std::vector<Check>& checks, RunnerOptions runner,
                                            const PostToFrontEnd& post, const CheckEvents& events);

// A Report around results found already (the wizard's session): the run's facts
// (command, language, version, time, environment) and each result's dependencies, those
// naming a check that has no result dropped (the report model wants known ids).
Report assemble_report(const std::string& command, const RunOptions& options, std::vector<CheckResult> results,
                       std::map<std::string, std::vector<std::string>> depends_on);

// Runs `checks` and wraps the results in a Report (environment facts included).
// `will_redact`: the caller redacts the report next (diagnose does), so what redaction
// needs is loaded while the checks run.
Report run_report(const std::string& command, const std::vector<Check>& checks, const RunOptions& options,
                  RunnerOptions runner, bool will_redact = false);

}  // namespace certwiz

#include "checks/diagnose/diagnose.h"

#include <sys/utsname.h>

#include <clocale>
#include <cstdlib>

#include "certwiz_version.h"

namespace certwiz {

namespace {
void append(std::vector<Check>& all, std::vector<Check> more) {
  for (auto& c : more) all.push_back(std::move(c));
}
}  // namespace

std::vector<Check> diagnose_checks(const RunOptions& options) {
  std::vector<Check> all;
  (void)options;
  // Modules add their checks here, in the order a user reads them:
  // system/network, PC/SC, card, middleware, certificates, local signing component.
  (void)append;
  return all;
}

Report run_report(const std::string& command, const std::vector<Check>& checks, const RunOptions& options,
                  RunnerOptions runner) {
  Report report;
  report.command = command;
  report.lang = options.lang;
  report.tool_version = CERTWIZ_VERSION;
  report.created_at = utc_now_iso8601();
  report.results = run_checks(checks, std::move(runner));
  return report;
}

}  // namespace certwiz

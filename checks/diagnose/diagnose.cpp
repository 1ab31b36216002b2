#include "checks/diagnose/diagnose.h"

#include "certwiz_version.h"
#include "checks/card/checks.h"
#include "checks/cert/checks.h"
#include "checks/localsign/localsign_checks.h"
#include "checks/net/net_checks.h"
#include "checks/pcsc/checks.h"
#include "checks/pkcs11/checks.h"
#include "checks/report/environment.h"
#include "installer/status.h"

namespace certwiz {

namespace {
void append(std::vector<Check>& all, std::vector<Check> more) {
  for (auto& c : more) all.push_back(std::move(c));
}
}  // namespace

std::vector<Check> diagnose_checks(const RunOptions& options) {
  std::vector<Check> all;
  // Modules add their checks here, in the order a user reads them:
  // PC/SC, card, middleware, certificates, local signing component, network.
  append(all, pcsc::pcsc_checks(options));
  // The card read directly (no middleware needed), then compared with what the
  // middleware and the component report once they have run.
  std::vector<Check> card = card::card_checks(options, {cert::kTokensCheckId, "localsign.tokens"});
  all.push_back(std::move(card.front()));
  all.push_back(installer::hicos_status_check(options));
  append(all, pkcs11::pkcs11_checks(options));
  if (options.pin) append(all, pkcs11::selftest_checks(options));
  append(all, cert::cert_checks(options, {cert::kTokensCheckId, cert::kCardContentsCheckId}));
  append(all, localsign::localsign_checks(options));
  all.push_back(std::move(card.back()));
  append(all, net::network_checks(options));
  return all;
}

Report run_report(const std::string& command, const std::vector<Check>& checks, const RunOptions& options,
                  RunnerOptions runner) {
  Report report;
  report.command = command;
  report.lang = options.lang;
  report.tool_version = CERTWIZ_VERSION;
  report.created_at = utc_now_iso8601();
  report.environment = certwiz::report::environment_facts(options);
  for (const auto& c : checks) report.depends_on[c.id] = c.depends_on;
  report.results = run_checks(checks, std::move(runner));
  return report;
}

}  // namespace certwiz

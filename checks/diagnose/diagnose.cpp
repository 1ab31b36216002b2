#include "checks/diagnose/diagnose.h"

#include <thread>

#include "certwiz_version.h"
#include "checks/card/checks.h"
#include "checks/cert/checks.h"
#include "checks/localsign/localsign_checks.h"
#include "checks/net/net_checks.h"
#include "checks/pcsc/checks.h"
#include "checks/pkcs11/checks.h"
#include "checks/report/environment.h"
#include "checks/report/phone_numbers.h"
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
  // One module host for the run: the middleware, inventory and self-test checks share it.
  auto module_host = pkcs11::share_module_host(options);
  append(all, pkcs11::pkcs11_checks(options, module_host));
  if (options.pin) append(all, pkcs11::selftest_checks(options, module_host));
  append(all, cert::cert_checks(options, {cert::kTokensCheckId, cert::kCardContentsCheckId}));
  append(all, localsign::localsign_checks(options));
  all.push_back(std::move(card.back()));
  append(all, net::network_checks(options));
  return all;
}

Report run_report(const std::string& command, const std::vector<Check>& checks, const RunOptions& options,
                  RunnerOptions runner, bool will_redact) {
  Report report;
  report.command = command;
  report.lang = options.lang;
  report.tool_version = CERTWIZ_VERSION;
  report.created_at = utc_now_iso8601();
  report.environment = certwiz::report::environment_facts(options);
  for (const auto& c : checks) report.depends_on[c.id] = c.depends_on;
  // The report's redaction needs libphonenumber's metadata: loaded while the checks wait
  // for cards and services instead of after them.
  std::jthread phone_metadata;  // joined on every way out
  if (will_redact) phone_metadata = std::jthread(certwiz::report::prepare_phone_numbers);
  report.results = run_checks(checks, std::move(runner));
  return report;
}

}  // namespace certwiz

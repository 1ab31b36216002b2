#include "checks/diagnose/diagnose.h"

#include <set>
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

std::vector<Check> select_checks(const std::vector<Check>& all, const std::vector<std::string>& prefixes) {
  std::set<std::string> wanted;
  for (const auto& c : all)
    for (const auto& p : prefixes)
      if (c.id.rfind(p, 0) == 0) wanted.insert(c.id);
  // Dependencies, transitively (the list is in dependency order, so walk it backwards).
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (wanted.count(it->id))
      for (const auto& d : it->depends_on) wanted.insert(d);
  std::vector<Check> out;
  for (const auto& c : all)
    if (wanted.count(c.id)) out.push_back(c);
  return out;
}

std::vector<CheckResult> run_checks_posting(const std::vector<Check>& checks, RunnerOptions runner,
                                            const PostToFrontEnd& post, const CheckEvents& events) {
  runner.on_progress = [&post, &events](const Progress& p) {
    if (p.kind == Progress::Kind::started && events.on_started)
      post([on_started = events.on_started, id = p.id, title = p.title] { on_started(id, title); });
    if (p.kind == Progress::Kind::finished && p.result && events.on_finished)
      post([on_finished = events.on_finished, r = *p.result] { on_finished(r); });
  };
  return run_checks(checks, std::move(runner));
}

Report assemble_report(const std::string& command, const RunOptions& options, std::vector<CheckResult> results,
                       std::map<std::string, std::vector<std::string>> depends_on) {
  Report report;
  report.command = command;
  report.lang = options.lang;
  report.tool_version = CERTWIZ_VERSION;
  report.created_at = utc_now_iso8601();
  report.environment = certwiz::report::environment_facts(options);
  std::set<std::string> known;
  for (const auto& r : results) known.insert(r.id);
  for (auto& [id, deps] : depends_on) std::erase_if(deps, [&](const std::string& d) { return !known.count(d); });
  report.results = std::move(results);
  report.depends_on = std::move(depends_on);
  return report;
}

Report run_report(const std::string& command, const std::vector<Check>& checks, const RunOptions& options,
                  RunnerOptions runner, bool will_redact) {
  const std::string started_at = utc_now_iso8601();
  std::map<std::string, std::vector<std::string>> depends_on;
  for (const auto& c : checks) depends_on[c.id] = c.depends_on;
  std::vector<CheckResult> results;
  {
    // The report's redaction needs libphonenumber's metadata: loaded while the checks wait
    // for cards and services instead of after them.
    std::jthread phone_metadata;  // joined on every way out
    if (will_redact) phone_metadata = std::jthread(certwiz::report::prepare_phone_numbers);
    results = run_checks(checks, std::move(runner));
  }
  Report report = assemble_report(command, options, std::move(results), std::move(depends_on));
  report.created_at = started_at;  // when the run began
  return report;
}

}  // namespace certwiz

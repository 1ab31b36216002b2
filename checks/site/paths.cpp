#include "checks/site/paths.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <iterator>
#include <string_view>

namespace certwiz::site {

Expected<BindResult> bind_with(SiteClient& client, ChallengeSigner& signer, const SiteClient::BindFields& fields) {
  auto c = client.challenge(Purpose::bind, fields.ubn, fields.control_no);
  if (!c) return c.error();
  auto cms = signer.sign(*c);
  if (!cms) return cms.error();
  return client.bind(*c, fields, *cms);
}

Expected<SessionInfo> login_with(SiteClient& client, ChallengeSigner& signer) {
  auto c = client.challenge(Purpose::login);
  if (!c) return c.error();
  auto cms = signer.sign(*c);
  if (!cms) return cms.error();
  return client.login(*c, *cms);
}

std::optional<Error> paths_verdict(const std::vector<PathOutcome>& paths) {
  const PathOutcome* card = nullptr;
  const PathOutcome* ls = nullptr;
  for (const auto& p : paths) (p.path == SigningPath::card ? card : ls) = &p;
  auto failed = [](const PathOutcome* p) { return p && p->attempted && !p->ok; };
  auto worked = [](const PathOutcome* p) { return p && p->attempted && p->ok; };
  auto code_of = [](const PathOutcome* p) { return p->error ? p->error->code : std::string("?"); };
  auto detail_of = [](const PathOutcome* p) {
    return p->error ? p->error->code + (p->error->detail.empty() ? "" : ": " + p->error->detail) : std::string();
  };
  if (worked(card) && failed(ls)) return Error{"SITE-BROWSER-PATH-FAILS", "local signing component: " + detail_of(ls)};
  if (failed(card) && worked(ls)) return Error{"SITE-CARD-PATH-FAILS", "card (PKCS#11): " + detail_of(card)};
  std::vector<const PathOutcome*> bad;
  bool any_attempted = false;
  for (const auto& p : paths) {
    if (p.attempted) any_attempted = true;
    if (!p.ok) bad.push_back(&p);
  }
  if (bad.empty()) return std::nullopt;
  if (!any_attempted) return bad.front()->error.value_or(Error{"SITE-NO-SIGNING-PATH", "no signing path ran"});
  // One path, or every path failing the same way: that failure is the verdict.
  std::vector<const PathOutcome*> attempted_bad;
  for (const auto* p : bad)
    if (p->attempted) attempted_bad.push_back(p);
  const bool same = std::all_of(attempted_bad.begin(), attempted_bad.end(),
                                [&](const PathOutcome* p) { return code_of(p) == code_of(attempted_bad.front()); });
  if (attempted_bad.size() == bad.size() && same) return attempted_bad.front()->error;
  if (attempted_bad.size() == 1 && !worked(card) && !worked(ls)) return attempted_bad.front()->error;
  std::string d;
  for (const auto* p : bad) d += (d.empty() ? "" : "; ") + std::string(signing_path_name(p->path)) + ": " + detail_of(p);
  return Error{"SITE-NO-SIGNING-PATH", d};
}

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool skip_for_pin(const std::vector<ChallengeSigner*>& signers, size_t upto, PathOutcome& o) {
  for (size_t i = 0; i < upto; ++i) {
    if (signers[i]->pin_rejected()) {
      o.error = Error{"P11-PIN-WRONG", "skipped: the card refused the PIN on the " +
                                           std::string(signing_path_name(signers[i]->path())) +
                                           " path, and offering it again would spend another try"};
      return true;
    }
  }
  return false;
}

// Bind failures about the account or the verification code, not the signature: another
// path would fail the same way, and a wrong code would spend another of its attempts.
bool account_failure(const std::optional<Error>& e) {
  static constexpr std::string_view kCodes[] = {"SITE-CODE-WRONG", "SITE-CODE-LOCKED", "SITE-CODE-EXPIRED",
                                                "SITE-ACCOUNT-UNKNOWN", "SITE-CONTROL-NO-MISMATCH",
                                                "SITE-RATE-LIMITED"};
  return e && std::find(std::begin(kCodes), std::end(kCodes), e->code) != std::end(kCodes);
}

}  // namespace

namespace {

// Runs `attempt` through each signer in turn with a fresh client each. A path is skipped
// on cancel, for the reason `skip` gives, or when an earlier one had the PIN refused.
PathsReport run_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                      const std::vector<ChallengeSigner*>& signers, const FlowOptions& flow,
                      const std::function<std::optional<Error>(const PathsReport&)>& skip,
                      const std::function<void(SiteClient&, ChallengeSigner&, PathOutcome&)>& attempt) {
  PathsReport report;
  SiteClientOptions co = client_options;
  if (flow.cancel) co.cancel = flow.cancel;
  for (size_t i = 0; i < signers.size(); ++i) {
    PathOutcome o;
    o.path = signers[i]->path();
    if (flow.cancel && flow.cancel->cancelled()) {
      o.error = Error{"ENGINE-CANCELLED", "skipped"};
    } else if (auto reason = skip(report)) {
      o.error = std::move(reason);
    } else if (!skip_for_pin(signers, i, o)) {
      o.attempted = true;
      const auto t0 = Clock::now();
      SiteClient client(profile, co);
      attempt(client, *signers[i], o);
      o.ms = ms_since(t0);
    }
    if (flow.on_path) flow.on_path(o);
    report.paths.push_back(std::move(o));
  }
  report.verdict = paths_verdict(report.paths);
  return report;
}

}  // namespace

PathsReport bind_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                       const std::vector<ChallengeSigner*>& signers, const SiteClient::BindFields& fields,
                       const FlowOptions& flow) {
  auto account_problem = [](const PathsReport& report) -> std::optional<Error> {
    const PathOutcome* problem = nullptr;
    for (const auto& earlier : report.paths)
      if (earlier.attempted && account_failure(earlier.error)) problem = &earlier;
    if (!problem) return std::nullopt;
    return Error{problem->error->code, "skipped: the site refused the account or code on the " +
                                           std::string(signing_path_name(problem->path)) + " path"};
  };
  return run_paths(profile, client_options, signers, flow, account_problem,
                   [&](SiteClient& client, ChallengeSigner& signer, PathOutcome& o) {
                     auto r = bind_with(client, signer, fields);
                     if (r) {
                       o.ok = true;
                       o.bound = *r;
                     } else {
                       o.error = r.error();
                     }
                   });
}

PathsReport login_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                        const std::vector<ChallengeSigner*>& signers, const FlowOptions& flow) {
  auto never = [](const PathsReport&) -> std::optional<Error> { return std::nullopt; };
  return run_paths(profile, client_options, signers, flow, never, [](SiteClient& client, ChallengeSigner& signer, PathOutcome& o) {
    auto s = login_with(client, signer);
    if (!s) {
      o.error = s.error();
      return;
    }
    o.session = *s;
    o.session->token.clear();  // the outcome is shown and saved: no live token in it
    auto who = client.session();
    if (!who) {
      o.error = who.error();
      return;
    }
    if (who->ubn != s->ubn) {
      o.error = Error{"SITE-ANSWER-MALFORMED", "the session belongs to another account than the login"};
      return;
    }
    o.session_checked = true;
    auto out = client.logout();
    if (!out) {
      o.error = out.error();
      return;
    }
    o.logged_out = true;
    // After logout the session must be dead.
    auto after = client.session();
    if (after) o.error = Error{"SITE-SESSION-INVALID", "the session still works after logout"};
    else if (after.error().code != "SITE-SESSION-INVALID") o.error = after.error();
    else o.ok = true;
  });
}

}  // namespace certwiz::site

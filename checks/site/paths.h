#pragma once
// The flows `certwiz bind` / `login-test` and the wizard's pages run: challenge → check →
// sign → bind or login, through one signer or through each signing path in turn, and the
// verdict over the paths (which one fails, or why none ran).
#include <functional>
#include <optional>
#include <vector>

#include "checks/profile/site_profile.h"
#include "checks/core/cancel.h"
#include "checks/core/result.h"
#include "checks/site/session.h"
#include "checks/site/signers.h"

namespace certwiz::site {

// challenge → check → sign → bind, with one signer.
Expected<BindResult> bind_with(SiteClient& client, ChallengeSigner& signer, const SiteClient::BindFields& fields);
// challenge → check → sign → login (the client then holds the session).
Expected<SessionInfo> login_with(SiteClient& client, ChallengeSigner& signer);

// One signing path's outcome in a multi-path run.
struct PathOutcome {
  SigningPath path = SigningPath::card;
  bool attempted = false;      // false: skipped (see `error` for why)
  bool ok = false;
  std::optional<Error> error;  // the failure (or the reason for skipping)
  std::optional<BindResult> bound;      // bind runs
  std::optional<SessionInfo> session;   // login runs (token already logged out when `logged_out`)
  bool session_checked = false;  // GET {session} confirmed the session
  bool logged_out = false;
  double ms = 0;
};
struct PathsReport {
  std::vector<PathOutcome> paths;
  // Empty when every attempted path worked. SITE-BROWSER-PATH-FAILS when the card path
  // works and the local signing component's fails; SITE-CARD-PATH-FAILS for the reverse;
  // the common code when every path failed the same way; else SITE-NO-SIGNING-PATH.
  std::optional<Error> verdict;
  bool ok() const { return !verdict; }
};
// The summary over outcomes (exposed for tests and the GUI).
std::optional<Error> paths_verdict(const std::vector<PathOutcome>& paths);

struct FlowOptions {
  // Run by the flows after each path, for progress display (optional).
  std::function<void(const PathOutcome&)> on_path;
  std::optional<CancelToken> cancel;
};
// Binds through each signer in turn (card first). A path is skipped when an earlier one
// had the card reject the PIN (it would spend another try) or on cancel.
PathsReport bind_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                       const std::vector<ChallengeSigner*>& signers, const SiteClient::BindFields& fields,
                       const FlowOptions& flow = {});
// Logs in through each signer with a fresh client each, checks the session, logs out.
PathsReport login_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                        const std::vector<ChallengeSigner*>& signers, const FlowOptions& flow = {});

}  // namespace certwiz::site

// certwiz login-test: logs in to the site with the card (challenge, signature, session
// check, logout) through the card (PKCS#11), the local signing component (the
// browser's path) or both, and says which paths work.
#include "app/cli/apply_progress.h"
#include "app/cli/site_cli.h"

namespace certwiz::cli {

void register_login_test(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("login-test", "Test certificate login on the site through each signing path");
  static SitePathFlags f;
  add_site_path_options(*cmd, f);
  cmd->callback([&run] {
    run = [] {
      SiteRun r;
      if (auto rc = prepare_site_run(f, r)) return *rc;
      auto report = site::login_paths(r.profile, r.client, r.signer_ptrs());
      if (report.ok())
        for (const auto& p : report.paths)
          if (p.session) remember_step(progress::Step::login_tested, p.session->ubn);
      return finish_site_run("login-test", f, r, report, Json::object());
    };
  });
}

}  // namespace certwiz::cli

// certwiz: the command-line front end. Each subcommand is registered from its own file
// and sets `run`; exit codes are documented in docs/cli.md.
#include <clocale>
#include <cstdio>
#include <exception>

#include "app/cli/cli.h"
#include "certwiz_version.h"

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "");
  std::setlocale(LC_NUMERIC, "C");
  certwiz::set_front_end(certwiz::FrontEnd::cli);  // remedies name commands, not buttons
  using namespace certwiz::cli;
  CLI::App app{"CertWiz 憑證登入設定精靈 — smart-card login setup and diagnostics", "certwiz"};
  app.set_version_flag("--version", std::string("certwiz ") + CERTWIZ_VERSION);
  app.require_subcommand(1);
  // CLI11 echoes unexpected arguments; one of them may be a PIN typed as an option
  // ("--pin 123456"), so those are never repeated back.
  app.failure_message([](const CLI::App* a, const CLI::Error& e) -> std::string {
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr)
      return "certwiz: unexpected arguments (not repeated here: they may hold a PIN or password). "
             "Run the command with --help.\n";
    return CLI::FailureMessage::simple(a, e);
  });
  Runner run;
  register_diagnose(app, run);
  register_codes(app, run);
  register_selftest(app, run);
  register_report(app, run);
  register_apply(app, run);
  register_watch(app, run);
  register_install(app, run);
  register_bind(app, run);
  register_login_test(app, run);
  register_card(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return e.get_exit_code() == 0 ? 0 : (rc == 0 ? 0 : kUsage);
  }
  try {
    return run ? run() : kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "certwiz: internal error: %s\n", e.what());
    return kInternal;
  }
}

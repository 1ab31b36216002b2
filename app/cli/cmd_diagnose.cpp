// certwiz diagnose: every check, human output on the terminal, JSON for machines.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/cli/cli.h"
#include "checks/diagnose/diagnose.h"

namespace certwiz::cli {

namespace {
struct DiagnoseFlags {
  CommonOptions common;
  std::string json_out;
  bool no_redact = false;
};
}  // namespace

void register_diagnose(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("diagnose", "Check readers, card, middleware, certificates and network");
  static DiagnoseFlags f;
  add_common_options(*cmd, f.common);
  cmd->add_option("--json", f.json_out, "Write the JSON report to this file ('-' for standard output)");
  cmd->add_flag("--no-redact", f.no_redact, "Keep personal data in the report (marked as not redacted)");
  cmd->callback([&run] {
    run = [] {
      RunOptions options;
      if (!make_run_options(f.common, options, true)) return static_cast<int>(kUsage);
      const bool json_stdout = f.json_out == "-";
      Console console(options.lang);
      RunnerOptions runner;
      if (!json_stdout) runner.on_progress = [&console](const Progress& p) { console.on_progress(p); };
      auto log = std::make_shared<Log>();
      if (f.common.verbose) log->echo_to_stderr(Log::Level::debug);
      runner.log = log;
      Report report = run_report("diagnose", diagnose_checks(options), options, runner);
      report.redacted = !f.no_redact;
      const std::string json = to_json(report).dump(2);
      if (json_stdout) {
        std::cout << json << '\n';
      } else {
        if (!f.json_out.empty()) {
          std::ofstream out(f.json_out, std::ios::binary | std::ios::trunc);
          out << json << '\n';
          if (!out) {
            std::fprintf(stderr, "certwiz: cannot write %s\n", f.json_out.c_str());
            return static_cast<int>(kInternal);
          }
        }
        console.print_summary(report);
        if (!f.json_out.empty()) std::printf("\nJSON report: %s\n", f.json_out.c_str());
      }
      return exit_code_for(report);
    };
  });
}

}  // namespace certwiz::cli

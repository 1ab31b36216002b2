// certwiz selftest: the card self-tests (PIN, signing, decryption, CMS) on one card,
// with the middleware and inventory checks they build on. The PIN comes from standard
// input (--pin-stdin) or the terminal without echo, never from the command line.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/cli/cli.h"
#include "checks/core/platform.h"
#include "checks/diagnose/diagnose.h"
#include "checks/pkcs11/checks.h"

namespace certwiz::cli {

namespace {
struct SelftestFlags {
  CommonOptions common;
  std::string slot;
  std::string json_out;
  std::string log_file;
  double timeout_s = 0;
};
}  // namespace

void register_selftest(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("selftest", "Test the card: PIN, signing, decryption and the login signature (CMS)");
  static SelftestFlags f;
  add_common_options(*cmd, f.common);
  add_slot_option(*cmd, f.slot, "to test; needed when several cards are in");
  cmd->add_option("--json", f.json_out, "Write the JSON report to this file ('-' for standard output)");
  cmd->add_option("--log", f.log_file, "Append the run's log to this file");
  cmd->add_option("--timeout", f.timeout_s, "Seconds each call into the PKCS#11 module may take before it counts as hung")
      ->check(CLI::Range(0.1, 600.0));
  cmd->callback([&run] {
    run = [] {
      RunOptions options;
      if (!make_run_options(f.common, options, true)) return static_cast<int>(kUsage);
      options.reader = f.slot;
      if (f.timeout_s > 0)
        options.probe_timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));
      if (!options.pin && is_terminal(stdin)) {
        protect_process_from_dumps();
        auto pin = std::make_shared<Secret>();
        const bool zh = options.lang == Lang::zh_TW;
        if (read_secret_from_terminal(zh ? "請輸入卡片 PIN 碼：" : "Card PIN: ", *pin) && !pin->empty())
          options.pin = std::move(pin);
      }
      const bool json_stdout = f.json_out == "-";
      Console console(options.lang);
      RunnerOptions runner;
      if (!json_stdout) runner.on_progress = [&console](const Progress& p) { console.on_progress(p); };
      auto log = std::make_shared<Log>();
      if (f.common.verbose) log->echo_to_stderr(Log::Level::debug);
      if (!f.log_file.empty() && !log->open_file(f.log_file)) {
        std::fprintf(stderr, "certwiz: cannot open the log file %s\n", f.log_file.c_str());
        return static_cast<int>(kUsage);
      }
      runner.log = log;
      auto module_host = pkcs11::share_module_host(options);  // one host for every check of the run
      auto checks = pkcs11::pkcs11_checks(options, module_host);
      for (auto& c : pkcs11::selftest_checks(options, module_host)) checks.push_back(std::move(c));
      Report report = run_report("selftest", checks, options, runner);
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

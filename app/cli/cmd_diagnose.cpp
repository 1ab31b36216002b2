// certwiz diagnose: every check; human output on the terminal, and the reports
// (JSON, HTML, ZIP bundle), redacted unless --no-redact. `--json -` is for machines:
// the JSON alone on standard output.
#include <chrono>
#include <cstdio>
#include <memory>

#include "app/cli/cli.h"
#include "checks/diagnose/diagnose.h"
#include "checks/report/files.h"

namespace certwiz::cli {

namespace {
struct DiagnoseFlags {
  CommonOptions common;
  std::string json_out;
  std::string html_out;
  std::string bundle_out;
  bool no_redact = false;
  bool keep_ubn = false;
  std::string slot;
  std::string proxy;
  double timeout_s = 15;
};
}  // namespace

void register_diagnose(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("diagnose", "Check readers, card, middleware, certificates and network");
  static DiagnoseFlags f;
  add_common_options(*cmd, f.common);
  cmd->add_option("--json", f.json_out, "Write the JSON report to this file ('-' for standard output, nothing else)");
  cmd->add_option("--html", f.html_out, "Write the HTML report (one self-contained page) to this file");
  cmd->add_option("--bundle", f.bundle_out, "Write a ZIP with report.json, report.html and the log, for a helpdesk");
  cmd->add_flag("--no-redact", f.no_redact, "Keep personal data in the reports (they are marked as not redacted)");
  add_slot_option(*cmd, f.slot, "to check; needed when several cards are in");
  cmd->add_flag("--keep-ubn", f.keep_ubn, "Keep a company's UBN (統一編號) and name in the reports: they are public");
  cmd->add_option("--proxy", f.proxy,
                  "Proxy for the site checks: a URL (http://proxy:3128) or 'direct' for none "
                  "(default: https_proxy / no_proxy)");
  cmd->add_option("--timeout", f.timeout_s,
                  "Seconds each probe (PKCS#11 module, local signing component, site) may take (default 15)")
      ->check(CLI::Range(1.0, 600.0));
  cmd->callback([&run] {
    run = [] {
      const bool json_stdout = f.json_out == "-";
      // With --json -, standard output belongs to the JSON: everything human goes to stderr.
      Console console(user_lang(f.common.lang), json_stdout ? stderr : stdout);
      for (const std::string* path : {&f.json_out, &f.html_out, &f.bundle_out}) {
        if (path->empty() || *path == "-") continue;
        if (auto e = report::check_writable(*path)) {
          console.print_error(*e);
          return static_cast<int>(kUsage);
        }
      }
      if (f.html_out == "-" || f.bundle_out == "-") {
        std::fprintf(stderr, "certwiz: %s\n", console.lang() == Lang::en ? "only --json can write to standard output ('-')"
                                                                          : "只有 --json 可以輸出到標準輸出（-）");
        return static_cast<int>(kUsage);
      }
      RunOptions options;
      if (!make_run_options(f.common, options, true)) return static_cast<int>(kUsage);
      options.reader = f.slot;
      options.proxy = f.proxy;
      options.probe_timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));

      RunnerOptions runner;
      if (!json_stdout) runner.on_progress = [&console](const Progress& p) { console.on_progress(p); };
      auto log = std::make_shared<Log>();
      if (f.common.verbose) log->echo_to_stderr(Log::Level::debug);
      runner.log = log;
      Report report = run_report("diagnose", diagnose_checks(options), options, runner, /*will_redact=*/!f.no_redact);

      report::RedactionOptions redaction;
      redaction.keep_ubn = f.keep_ubn;
      const report::PreparedReport out = report::prepare_report(report, log->text(), !f.no_redact, redaction);

      int failed_writes = 0;
      auto written = [&](const std::optional<Error>& e, const char* zh, const char* en, const std::string& path) {
        if (e) {
          console.print_error(*e);
          ++failed_writes;
        } else {
          console.print_written(zh, en, path);
        }
      };
      if (json_stdout) {
        std::fwrite(out.json.data(), 1, out.json.size(), stdout);
        std::fflush(stdout);
      } else {
        // The user's own terminal shows the results as found (nothing leaves the machine).
        console.print_summary(report);
        if (!f.json_out.empty() || !f.html_out.empty() || !f.bundle_out.empty()) std::fputc('\n', stdout);
        if (!f.json_out.empty())
          written(report::write_file(f.json_out, out.json, report::file_access_for(out)), "JSON 報告", "JSON report",
                  f.json_out);
      }
      // Unredacted files are the user's alone (0600).
      if (!f.html_out.empty())
        written(report::write_file(f.html_out, out.html, report::file_access_for(out)), "HTML 報告", "HTML report",
                f.html_out);
      if (!f.bundle_out.empty())
        written(report::write_bundle(f.bundle_out, out), "報告壓縮檔（可寄給客服）", "Report bundle (for the helpdesk)", f.bundle_out);
      if (f.no_redact && (!f.json_out.empty() || !f.html_out.empty() || !f.bundle_out.empty()))
        std::fprintf(stderr, "certwiz: %s\n",
                     console.lang() == Lang::en ? "warning: the reports contain personal data (--no-redact)"
                                                : "注意：報告含有個人資料（--no-redact），請勿公開分享");
      if (failed_writes) return static_cast<int>(kInternal);
      return exit_code_for(report);
    };
  });
}

}  // namespace certwiz::cli

// certwiz report show FILE: a saved report (report.json or a bundle ZIP) read back
// and summarised on the terminal, e.g. by a helpdesk that was sent one.
#include <cstdio>

#include "app/cli/cli.h"
#include "checks/report/files.h"

namespace certwiz::cli {

namespace {
struct ReportShowFlags {
  std::string file;
  std::string lang;
};
}  // namespace

void register_report(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("report", "Work with saved reports");
  cmd->require_subcommand(1);
  auto* show = cmd->add_subcommand("show", "Summarise a saved report (report.json or a report ZIP bundle)");
  static ReportShowFlags f;
  show->add_option("FILE", f.file, "report.json or a bundle made by `certwiz diagnose --bundle`")->required();
  show->add_option("--lang", f.lang, "Language of the output: zh_TW or en (default: from LC_ALL, LC_MESSAGES or LANG)")
      ->check(CLI::IsMember({"zh_TW", "en"}));
  show->callback([&run] {
    run = [] {
      Console console(user_lang(f.lang));
      auto loaded = report::read_report_file(f.file);
      if (!loaded) {
        console.print_error(loaded.error());
        return static_cast<int>(kUsage);
      }
      const Report& r = *loaded;
      const bool en = console.lang() == Lang::en;
      std::printf("%s %s — %s, certwiz %s, %s\n", en ? "CertWiz report" : "CertWiz 診斷報告", f.file.c_str(),
                  r.created_at.c_str(), r.tool_version.c_str(),
                  r.redacted ? (en ? "personal data redacted" : "已遮蔽個人資料")
                             : (en ? "NOT redacted: contains personal data" : "未遮蔽：含個人資料"));
      std::printf("\n");
      console.print_results(r);
      console.print_summary(r);
      // The saved run's verdict, so scripts can triage a folder of reports.
      return exit_code_for(r);
    };
  });
}

}  // namespace certwiz::cli

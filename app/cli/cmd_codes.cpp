// certwiz codes: the failure-code catalogue (docs/failure-codes.md is generated from it).
#include <cstdio>

#include "app/cli/cli.h"
#include "checks/core/catalogue.h"

namespace certwiz::cli {

void register_codes(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("codes", "List every failure code with its cause and remedy");
  static bool markdown = false;
  cmd->add_flag("--markdown", markdown, "Print the catalogue as Markdown (docs/failure-codes.md)");
  cmd->callback([&run] {
    run = [] {
      if (markdown) {
        std::fputs(failure_codes_markdown().c_str(), stdout);
      } else {
        for (const auto& c : failure_codes())
          std::printf("%-28s %s\n", std::string(c.code).c_str(), std::string(c.cause_en).c_str());
      }
      return static_cast<int>(kAllPassed);
    };
  });
}

}  // namespace certwiz::cli

#pragma once
// Shared pieces of the CLI's subcommands.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "checks/core/options.h"
#include "checks/core/report_model.h"
#include "checks/core/runner.h"
#include "app/cli/console.h"

namespace certwiz::cli {

// Documented exit codes (docs/cli.md).
enum Exit : int { kAllPassed = 0, kWarnings = 1, kFailures = 2, kUsage = 3, kInternal = 4 };

// Options every subcommand that runs checks shares.
struct CommonOptions {
  std::string lang;        // zh_TW | en; empty → from LANG
  std::string module;      // --module
  std::string site;        // --site
  std::vector<std::string> trust;  // --trust (extra anchors, e.g. the lab root)
  bool pin_stdin = false;  // --pin-stdin
  bool ask_pin = false;    // --ask-pin (no-echo prompt on the terminal)
  bool confirm_final_try = false;
  bool verbose = false;
};

// --lang (zh_TW | en; other values are usage errors), the same in every subcommand.
CLI::Option* add_lang_option(CLI::App& cmd, std::string& lang);
// --slot: the reader (PC/SC name, the slot description) whose card a subcommand works on.
CLI::Option* add_slot_option(CLI::App& cmd, std::string& slot, const char* what);

// Adds --lang --module --site --trust --pin-stdin --ask-pin --confirm-final-try --verbose.
void add_common_options(CLI::App& cmd, CommonOptions& o);
// Builds RunOptions from flags and environment (CERTWIZ_PKCS11_MODULE, LANG);
// reads the PIN when asked. Returns false (after printing why) on a usage error.
bool make_run_options(const CommonOptions& o, RunOptions& out, bool wants_pin);

// Subcommand registration: each lives in its own cmd_*.cpp.
using Runner = std::function<int()>;
void register_diagnose(CLI::App& app, Runner& run);
void register_codes(CLI::App& app, Runner& run);
void register_selftest(CLI::App& app, Runner& run);
void register_apply(CLI::App& app, Runner& run);
void register_report(CLI::App& app, Runner& run);
void register_watch(CLI::App& app, Runner& run);
void register_install(CLI::App& app, Runner& run);  // install-hicos, uninstall-hicos
void register_bind(CLI::App& app, Runner& run);        // cmd_bind.cpp
void register_login_test(CLI::App& app, Runner& run);  // cmd_login_test.cpp
void register_card(CLI::App& app, Runner& run);        // cmd_card.cpp (card read)

}  // namespace certwiz::cli

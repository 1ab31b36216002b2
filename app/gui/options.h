#pragma once
// The wizard's command line (the same meanings as the CLI's flags of the same name).
#include <string>
#include <vector>

#include "checks/core/options.h"

namespace certwiz::gui {

struct WizardOptions {
  std::string lang;                 // zh_TW | en; empty → from LANG, else zh_TW
  std::string module;               // --module, else $CERTWIZ_PKCS11_MODULE, else discovery
  std::string site;                 // --site profile
  std::vector<std::string> trust;   // --trust (extra anchors, e.g. the lab root)
  std::string report_dir;           // --report-dir: where "export report" writes without asking
  std::string open_report;          // --open-report FILE: show a saved report (helpdesk)
  std::string manifest;             // --manifest for the HiCOS install
  std::string cacert;               // --cacert for the HiCOS download
  std::string localsign_url;        // --localsign-url
  // --exit-after-first-paint: print when the window was first painted, then exit
  // (tests/bench/startup measures launch to first paint with it).
  bool exit_after_first_paint = false;
};

// Parses argv; on a usage error returns false with the message in `error`.
bool parse_wizard_options(int argc, char** argv, WizardOptions& out, std::string& error);
std::string wizard_usage();

// RunOptions for the engine from the wizard's options and the environment (no PIN).
RunOptions make_run_options(const WizardOptions& o);

}  // namespace certwiz::gui

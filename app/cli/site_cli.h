#pragma once
// Shared pieces of `certwiz bind` and `certwiz login-test`: the signing-path flags,
// building the signers, and printing a multi-path result (terminal or JSON).
#include <memory>
#include <string>
#include <vector>

#include "app/cli/cli.h"
#include "checks/site/client.h"

namespace certwiz::cli {

struct SitePathFlags {
  CommonOptions common;
  std::string path = "both";  // card | localsign | both
  std::string slot;           // reader of the card
  std::string localsign_url;  // default: $CERTWIZ_LAB_LOCALSIGN_URL, else http://127.0.0.1:61161
  std::string json_out;
  double timeout_s = 0;
};

// --path --slot --localsign-url --json --timeout plus the common options.
void add_site_path_options(CLI::App& cmd, SitePathFlags& f);

// What a run needs: the profile, the client options, the signers (card first).
struct SiteRun {
  RunOptions options;
  SiteProfile profile;
  site::SiteClientOptions client;
  std::vector<std::unique_ptr<site::ChallengeSigner>> signers;
  std::vector<site::ChallengeSigner*> signer_ptrs() const;
};
// Reads flags, the PIN (--pin-stdin / --ask-pin, else the terminal when there is one) and
// the profile. Returns an exit code when the run cannot start (after printing why).
std::optional<int> prepare_site_run(const SitePathFlags& f, SiteRun& run);

// Prints the outcome per path and the verdict; writes JSON when asked. Returns the exit code.
int finish_site_run(const std::string& command, const SitePathFlags& f, const SiteRun& run,
                    const site::PathsReport& report, Json extra);

}  // namespace certwiz::cli

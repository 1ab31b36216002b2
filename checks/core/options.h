#pragma once
// What a run of checks was asked to look at: set by the front ends (CLI flags, wizard
// pages, environment), read by the probes.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "checks/core/secret.h"
#include "checks/core/text.h"

namespace certwiz {

struct RunOptions {
  Lang lang = Lang::zh_TW;
  // PKCS#11 module: --module, else CERTWIZ_PKCS11_MODULE, else discovery.
  std::string pkcs11_module;
  // Site profile JSON (assets/sites/*.json or a path).
  std::string site_profile;
  std::string local_sign_url = "http://127.0.0.1:61161";
  // Extra trust anchors (PEM files) named explicitly by a user or a test.
  std::vector<std::string> extra_trust_anchors;
  // Explicit proxy URL; empty means the environment's.
  std::string proxy;
  // pcsc-tools' smartcard_list.txt; empty means the system's usual places.
  std::string smartcard_list;
  // Reader name to restrict card checks to; empty means every reader with a card.
  std::string reader;
  // Where CRLs and downloads are cached; empty means the XDG cache directory.
  std::string cache_dir;
  // The PIN the user typed for this run (card self-tests); null means no PIN tests.
  std::shared_ptr<const Secret> pin;
  // The user confirmed, in a separate step, spending the final PIN try.
  bool confirm_final_try = false;
  // Days before expiry that warn.
  int expiry_warning_days = 30;
  // Per-check time limit for probes that talk to hardware or the network.
  std::chrono::milliseconds probe_timeout{std::chrono::seconds(15)};

  // What the environment says, read the same way by both front ends (their flags then
  // override it): the language, CERTWIZ_PKCS11_MODULE and CERTWIZ_LOCALSIGN_URL.
  static RunOptions from_environment();
  // The user's language: the first of LC_ALL, LC_MESSAGES, LANG that is set decides, as in
  // POSIX (LC_ALL=C.UTF-8 overrides LANG=en_US.UTF-8); C, POSIX and C.* name no language,
  // which means zh_TW, as does anything neither zh* nor en*.
  static Lang lang_from_environment();
};

}  // namespace certwiz

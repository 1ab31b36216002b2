#pragma once
// The lab as tests of the site see it: card key files, identities, the TLS CA, a
// private certwiz-site process (own database, port, options), application forms.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/lab/site/testkit/lab_signer.h"

namespace certwiz::site_testkit {

// Environment variable or throws (the test must run inside the lab).
std::string lab_env(const char* name);

// <pki>/cards/<card>/{sign,keyx}.{key,pem} and chain.pem.
SignerFiles card_files(const std::string& card, const std::string& usage = "sign");
// <state>/cards.json's entry for a card (sign_serial, subject, ...).
nlohmann::json lab_card(const std::string& card);
// The identities file's entry for a card.
nlohmann::json identity(const std::string& card);
// The lab's TLS CA (what a client trusts for the site) and the site's server certificate.
std::string tls_ca_file();

// An application form (docs/application-form.md keys) for the lab company, with the
// given UBN and owner; login types "enable"/"disable".
nlohmann::json lab_company_form(const std::string& ubn, const std::string& owner_id, const std::string& citizen,
                                const std::string& business);
// A checksum-valid UBN that is not the lab company's, different on every call.
std::string fresh_ubn();

// A certwiz-site of the test's own: `serve` on a free port with a fresh database in
// `dir`, the lab's TLS certificate, anchors and revocation services; stopped (TERM)
// when destroyed.
class SiteProcess {
 public:
  SiteProcess(const std::string& dir, std::vector<std::string> extra_args = {}, bool fresh_db = true);
  ~SiteProcess();
  SiteProcess(const SiteProcess&) = delete;
  SiteProcess& operator=(const SiteProcess&) = delete;

  int port() const { return port_; }
  const std::string& db() const { return db_; }
  pid_t pid() const { return pid_; }
  void kill_hard();  // SIGKILL and reap
  // SIGTERM, then up to `grace` for a clean exit (status 0); SIGKILL after that. True
  // when it ended cleanly on its own.
  bool stop(std::chrono::milliseconds grace);
  // `certwiz-site approve`; the code printed. Throws on failure.
  std::string approve(const std::string& application, int valid_days = 14) const;

 private:
  std::string db_;
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string site_binary();
// Runs a command, returns its exit status and stdout.
int run_command(const std::vector<std::string>& argv, std::string& out);

}  // namespace certwiz::site_testkit

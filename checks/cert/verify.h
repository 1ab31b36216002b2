#pragma once
// One call that judges a certificate the way a login site must: parse, identity
// (MOEACA UBN agreement), validity dates, chain to trusted anchors, keyUsage, policy,
// revocation. The diagnostic checks and the site's server and client share it.
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/cert/cert_info.h"
#include "checks/cert/revocation.h"
#include "checks/cert/trust_store.h"
#include "checks/core/options.h"
#include "checks/core/result.h"

namespace certwiz::cert {

enum class ValidityState { valid, expiring_soon, expired, not_yet_valid };
std::string_view validity_state_name(ValidityState s);

struct VerifyOptions {
  // Anchors to chain to; null → the shipped set plus `extra_anchor_files`.
  std::shared_ptr<const TrustStore> trust;
  std::vector<std::string> extra_anchor_files;
  int expiry_warning_days = 30;
  bool require_digital_signature = false;  // login certificates (SIGN)
  // Accepted certificate policy OIDs (any one suffices); empty → not checked.
  std::vector<std::string> accepted_policies;
  bool check_revocation = true;
  RevocationOptions revocation;
  std::time_t at = 0;  // judge validity at this time; 0 → now

  static VerifyOptions from_run_options(const RunOptions& run);
};

struct CertReport {
  std::optional<CertInfo> info;  // absent when the bytes are not a certificate
  ValidityState validity = ValidityState::valid;
  long days_left = 0;            // whole days until notAfter (negative when expired)
  ChainReport chain;
  bool revocation_checked = false;
  RevocationReport revocation;
  // Every failure and warning found, in the order above; each has a catalogue code.
  std::vector<Error> problems;

  bool accepted() const;  // no problem of severity fail
  Status status() const;  // fail / warn / pass
  bool has(std::string_view code) const;
};

CertReport verify_certificate(const std::string& der, const std::vector<std::string>& intermediates,
                              const VerifyOptions& options);

// Judgements used by verify_certificate and by the individual checks.
ValidityState judge_validity(const CertInfo& info, std::time_t at, int warning_days, long& days_left);
std::optional<Error> identity_problem(const CertInfo& info);

Json to_json(const ChainReport& c);
Json to_json(const RevocationReport& r);
Json to_json(const CertReport& r);

}  // namespace certwiz::cert

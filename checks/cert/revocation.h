#pragma once
// Is a certificate revoked? OCSP first (signed answer from the CA's responder), then
// the CA's CRL (downloaded, signature checked against the issuer, cached on disk until
// its nextUpdate). No trustworthy answer gives `unknown`, never `good` or `revoked`.
#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include "checks/cert/trust_store.h"
#include "checks/core/cancel.h"
#include "checks/core/result.h"

namespace certwiz::cert {

enum class RevocationState { good, revoked, unknown };
std::string_view revocation_state_name(RevocationState s);

struct RevocationAttempt {
  std::string method;   // "ocsp" or "crl"
  std::string url;
  std::string outcome;  // "good", "revoked", "unknown", or why it gave no answer
  bool from_cache = false;
  double ms = 0;
};

struct RevocationReport {
  RevocationState state = RevocationState::unknown;
  std::string method;  // which answered: "ocsp" / "crl" (empty when unknown)
  std::time_t revoked_at = 0;
  std::string reason;  // "keyCompromise", ... (revoked only)
  std::time_t this_update = 0, next_update = 0;
  std::vector<RevocationAttempt> attempts;
  std::string detail() const;  // the attempts on one line
};

struct RevocationOptions {
  bool use_ocsp = true;
  bool use_crl = true;
  std::string proxy;
  std::chrono::milliseconds ocsp_timeout{std::chrono::seconds(15)};
  std::chrono::milliseconds crl_timeout{std::chrono::seconds(120)};  // a 20 MB CRL on a slow line
  uint64_t max_crl_bytes = 64ull << 20;
  // CRL cache; empty → $XDG_CACHE_HOME/certwiz/crl (or ~/.cache/certwiz/crl).
  std::string cache_dir;
  // Clock skew tolerated on OCSP thisUpdate / nextUpdate.
  std::chrono::seconds leeway{300};
  // Used instead of the certificate's AIA / CDP URLs when not empty (a configured
  // responder, or a test pointing at a dead port).
  std::vector<std::string> ocsp_urls, crl_urls;
  CancelToken cancel;
};

// `chain_der`: the verified chain, leaf first (leaf and issuer at least).
RevocationReport check_revocation(const std::vector<std::string>& chain_der, const TrustStore& trust,
                                  const RevocationOptions& options);

// Where the CRL of `url` is cached: <dir>/<sha256(url)>.crl ("" when the digest fails).
std::string crl_cache_path(const std::string& cache_dir, const std::string& url);
std::string default_crl_cache_dir();

}  // namespace certwiz::cert

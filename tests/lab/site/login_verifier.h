#pragma once
// Steps 4 and 5 of bind and login (docs/site-protocol.md): the signer's certificate
// judged by checks/cert's verify_certificate against the site's pinned anchors
// (chain, validity, digitalSignature, policy, OCSP/CRL) and the identity rules of
// each login type. Each rejection maps to its own wire code.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "checks/cert/verify.h"
#include "tests/lab/site/requests.h"

namespace certwiz::site_server {

struct LoginVerifierOptions {
  std::vector<std::string> anchor_files;        // pinned anchors (PEM), trusted as given
  std::vector<std::string> intermediate_files;  // CA certificates that may complete a chain
  std::vector<std::string> accepted_policies;   // empty: not checked
  cert::RevocationOptions revocation;
  // A "good" revocation answer is reused this long (0: ask every time); "revoked" and
  // "unknown" are never kept.
  std::chrono::seconds good_revocation_cache{0};
};

class LoginVerifier {
 public:
  // Throws std::runtime_error when an anchor file cannot be read.
  explicit LoginVerifier(LoginVerifierOptions options);

  // Step 4. The parsed certificate when it is acceptable for login.
  std::variant<cert::CertInfo, WireFailure> check_certificate(const std::string& leaf_der,
                                                              const std::vector<std::string>& other_certs);

 private:
  LoginVerifierOptions options_;
  std::shared_ptr<const cert::TrustStore> trust_;
  std::mutex cache_mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> good_until_;  // fingerprint → until
};

// Step 5: the certificate's holder against the account. `login_type` is "business" or
// "citizen". nullopt when it matches.
std::optional<WireFailure> identity_mismatch(const cert::CertInfo& info, const std::string& login_type,
                                             const std::string& account_ubn, const std::string& owner_id);

// "business" / "citizen" for the certificate's kind; empty for other kinds.
std::string login_type_of(const cert::CertInfo& info);

}  // namespace certwiz::site_server

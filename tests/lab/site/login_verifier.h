#pragma once
// Steps 4 and 5 of bind and login (docs/site-protocol.md), as a government site does them
// with OpenSSL: the signer's certificate chained to the site's pinned anchors, within its
// validity, keyUsage digitalSignature, an accepted policy, not revoked (OCSP, else CRL);
// then the holder read from the certificate (subject serialNumber, Subject Directory
// Attributes) and matched to the account. Each rejection has its own wire code. Nothing
// here comes from CertWiz's certificate code: the site is the client's independent judge.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tests/lab/site/requests.h"
#include "tests/lab/site/revocation.h"

namespace certwiz::site_server {

struct LoginVerifierOptions {
  std::vector<std::string> anchor_files;        // pinned anchors (PEM), trusted as given
  std::vector<std::string> intermediate_files;  // CA certificates that may complete a chain
  std::vector<std::string> accepted_policies;   // empty: not checked
  RevocationConfig revocation;
  // A "good" revocation answer is reused this long (0: ask every time); "revoked" and
  // "unknown" are never kept.
  std::chrono::seconds good_revocation_cache{0};
};

// What the site keeps of an accepted login certificate.
struct LoginCertificate {
  std::string subject, issuer;    // "C=TW, O=..., serialNumber=..." (UTF-8)
  std::string serial_hex;         // upper case
  std::string fingerprint_sha256; // upper-case hex, no separators
  std::string kind;               // "business" (MOEACA), "citizen" (MOICA) or empty
  std::string subject_serial;     // subject serialNumber
  std::string ubn;                // SDA 2.16.886.1.100.2.101
  std::string id_last4;           // SDA 2.16.886.1.100.2.51
  std::string common_name{};      // subject CN (a MOICA holder's name)
};

// Who holds the certificate, across card renewals: a renewed card has a new key and serial
// but the same holder. MOEACA: the UBN ("business:<UBN>"); MOICA: the ID's last 4 digits
// and the name ("citizen:<last4>:<CN>"), the most the certificate says of the person.
// Empty when the certificate names no holder this way.
std::string holder_key(const LoginCertificate& c);

class LoginVerifier {
 public:
  // Throws std::runtime_error when an anchor or intermediate file cannot be read.
  explicit LoginVerifier(LoginVerifierOptions options);
  ~LoginVerifier();

  // Step 4. `other_certs`: the rest of the CMS's certificates (DER), which may complete the chain.
  std::variant<LoginCertificate, WireFailure> check_certificate(const std::string& leaf_der,
                                                                const std::vector<std::string>& other_certs);

 private:
  struct Pki;
  LoginVerifierOptions options_;
  std::unique_ptr<Pki> pki_;
  RevocationChecker revocation_;
  std::mutex cache_mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> good_until_;  // fingerprint → until
};

// Step 5: the certificate's holder against the account. `login_type` is "business" or
// "citizen". nullopt when it matches.
std::optional<WireFailure> identity_mismatch(const LoginCertificate& cert, const std::string& login_type,
                                             const std::string& account_ubn, const std::string& owner_id);

}  // namespace certwiz::site_server

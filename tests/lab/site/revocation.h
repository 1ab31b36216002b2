#pragma once
// Is the login certificate revoked? OCSP first (the certificate's responder, or one the
// site names), then the issuing CA's CRL; the answer is trusted only when it is signed
// by the issuer (or by a responder the issuer delegated to). Neither answers: unknown,
// and the site fails closed on that.
#include <openssl/x509.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace certwiz::site_server {

struct RevocationConfig {
  bool use_ocsp = true, use_crl = true;
  std::vector<std::string> ocsp_urls;  // instead of the certificate's own (AIA)
  std::vector<std::string> crl_urls;   // instead of the certificate's own (CDP)
  std::string cache_dir;               // CRLs kept here until their nextUpdate; empty: memory only
  std::chrono::seconds ocsp_timeout{5}, crl_timeout{10};
};

enum class Revocation { good, revoked, unknown };

struct RevocationAnswer {
  Revocation state = Revocation::unknown;
  std::string detail;  // for the site's log
};

class RevocationChecker {
 public:
  explicit RevocationChecker(RevocationConfig config) : config_(std::move(config)) {}
  // `store` holds the site's trusted anchors and intermediates; `issuer` issued `leaf`.
  RevocationAnswer check(X509* leaf, X509* issuer, X509_STORE* store);

 private:
  RevocationAnswer ask_ocsp(const std::string& url, X509* leaf, X509* issuer, X509_STORE* store);
  RevocationAnswer read_crl(const std::string& url, X509* leaf, X509* issuer);
  RevocationConfig config_;
  std::mutex crl_mu_;  // one CRL download at a time (they are large)
};

}  // namespace certwiz::site_server

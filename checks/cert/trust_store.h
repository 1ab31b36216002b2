#pragma once
// The certificates CertWiz trusts and the chain building over them. Shipped
// certificates (assets/trust/*.pem) split into self-signed roots (anchors) and CA
// intermediates; anchors named explicitly (a user's --trust, the lab root) are
// trusted as given. Chains are built by OpenSSL's X509_STORE_CTX, which matches
// AKI/SKI and checks signatures: CA generations that share one DN (MOICA G1/G2/G3)
// are told apart by key, never by name.
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "checks/cert/cert_info.h"
#include "checks/core/result.h"

namespace certwiz::cert {

struct ChainLink {
  std::string subject;
  std::string subject_key_id;
  std::string serial_hex;
  std::time_t not_after = 0;
  bool anchor = false;  // the trust anchor the chain ends at
};

struct ChainReport {
  bool trusted = false;
  std::vector<ChainLink> links;      // leaf first; partial when not trusted
  std::vector<std::string> chain_der;  // same order as links
  std::optional<Error> error;        // CERT-UNKNOWN-CA, CERT-CHAIN-INVALID or CERT-MALFORMED
  // The certificate that issued the leaf (for OCSP and CRL checks); empty when unknown.
  const std::string& issuer_der() const;
};

class TrustStore {
 public:
  TrustStore();

  // The shipped certificates (assets/trust) plus extra anchor PEM files.
  // CERT-TRUST-STORE when a file cannot be read or holds no certificate.
  static Expected<TrustStore> load(const std::vector<std::string>& extra_anchor_files, bool include_shipped = true);
  // Only the given anchors (PEM files): for a site that pins its own CAs.
  static Expected<TrustStore> from_anchor_files(const std::vector<std::string>& anchor_files);

  // Adds every certificate in a PEM file. `explicit_anchor`: trusted as given (a
  // non-self-signed anchor is allowed: partial chains end at it); otherwise
  // self-signed ones become anchors and the rest intermediates.
  Expected<size_t> add_pem_file(const std::string& path, bool explicit_anchor);
  Expected<size_t> add_pem(std::string_view pem, bool explicit_anchor, const std::string& origin);

  const std::vector<CertInfo>& anchors() const;
  const std::vector<CertInfo>& intermediates() const;

  // Builds and verifies the chain of `leaf_der` at time `at` (now when 0).
  // `extra_intermediates` (DER) come from the card. The leaf's own validity dates are
  // not judged here (the validity check reports them); every CA's are.
  ChainReport build_chain(const std::string& leaf_der, const std::vector<std::string>& extra_intermediates,
                          std::time_t at = 0) const;

  // A fresh X509_STORE holding the anchors (caller frees); for OCSP signer checks.
  X509_STORE* new_x509_store() const;
  // The shipped intermediates as a new stack (caller frees with sk_X509_pop_free).
  STACK_OF(X509) * new_intermediate_stack() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace certwiz::cert

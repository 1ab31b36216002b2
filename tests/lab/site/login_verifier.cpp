#include "tests/lab/site/login_verifier.h"

#include <stdexcept>

namespace certwiz::site_server {
namespace {

// verify_certificate's codes → the site's, in the order the protocol checks them.
struct CodeMap {
  const char* cert_code;
  const char* wire_code;
};
constexpr CodeMap kOrder[] = {
    {"CERT-MALFORMED", "SITE-CMS-MALFORMED"},
    {"CERT-UNKNOWN-CA", "SITE-CERT-UNTRUSTED"},
    {"CERT-CHAIN-INVALID", "SITE-CERT-UNTRUSTED"},
    {"CERT-TRUST-STORE", "SITE-INTERNAL"},
    {"CERT-EXPIRED", "SITE-CERT-EXPIRED"},
    {"CERT-NOT-YET-VALID", "SITE-CERT-EXPIRED"},
    {"CERT-KEY-USAGE", "SITE-CERT-USAGE"},
    {"CERT-POLICY", "SITE-CERT-POLICY"},
    {"CERT-REVOKED", "SITE-CERT-REVOKED"},
    {"CERT-REVOCATION-UNKNOWN", "SITE-CERT-REVOCATION-UNKNOWN"},
};

}  // namespace

LoginVerifier::LoginVerifier(LoginVerifierOptions options) : options_(std::move(options)) {
  auto store = cert::TrustStore::from_anchor_files(options_.anchor_files);
  if (!store) throw std::runtime_error("trust anchors: " + store.error().detail);
  for (const auto& f : options_.intermediate_files) {
    auto added = store->add_pem_file(f, false);
    if (!added) throw std::runtime_error("intermediate CA file " + f + ": " + added.error().detail);
  }
  trust_ = std::make_shared<const cert::TrustStore>(std::move(*store));
}

std::variant<cert::CertInfo, WireFailure> LoginVerifier::check_certificate(const std::string& leaf_der,
                                                                            const std::vector<std::string>& other_certs) {
  cert::VerifyOptions o;
  o.trust = trust_;
  o.require_digital_signature = true;
  o.accepted_policies = options_.accepted_policies;
  o.revocation = options_.revocation;
  o.check_revocation = true;

  bool cached_good = false;
  if (options_.good_revocation_cache.count() > 0) {
    auto info = cert::parse_certificate(leaf_der);
    if (info) {
      std::lock_guard lock(cache_mu_);
      auto it = good_until_.find(info->sha256_fingerprint);
      cached_good = it != good_until_.end() && it->second > std::chrono::steady_clock::now();
    }
  }
  if (cached_good) o.check_revocation = false;

  cert::CertReport r = cert::verify_certificate(leaf_der, other_certs, o);
  if (!r.info) return wire("SITE-CMS-MALFORMED", "signer certificate does not parse");
  for (const auto& m : kOrder)
    if (r.has(m.cert_code)) {
      for (const auto& p : r.problems)
        if (p.code == m.cert_code) return wire(m.wire_code, p.code + ": " + p.detail);
    }
  if (!r.chain.trusted) return wire("SITE-CERT-UNTRUSTED", "chain not trusted");
  if (o.check_revocation && r.revocation.state != cert::RevocationState::good)
    return wire("SITE-CERT-REVOCATION-UNKNOWN", r.revocation.detail());
  if (o.check_revocation && options_.good_revocation_cache.count() > 0) {
    std::lock_guard lock(cache_mu_);
    good_until_[r.info->sha256_fingerprint] = std::chrono::steady_clock::now() + options_.good_revocation_cache;
  }
  return std::move(*r.info);
}

std::string login_type_of(const cert::CertInfo& info) {
  switch (info.identity.card_kind) {
    case cert::CardKind::business: return "business";
    case cert::CardKind::citizen: return "citizen";
    default: return {};
  }
}

std::optional<WireFailure> identity_mismatch(const cert::CertInfo& info, const std::string& login_type,
                                             const std::string& account_ubn, const std::string& owner_id) {
  const cert::CertIdentity& id = info.identity;
  if (login_type_of(info) != login_type)
    return wire("SITE-CERT-KIND", "certificate kind " + std::string(cert::card_kind_name(id.card_kind)) +
                                      ", login type " + login_type);
  if (login_type == "business") {
    if (id.ubn.empty() || id.subject_serial != id.ubn)
      return wire("SITE-UBN-MISMATCH", "subject serialNumber and extension UBN disagree");
    if (id.ubn != account_ubn) return wire("SITE-UBN-MISMATCH", "certificate UBN differs from the account's");
    return std::nullopt;
  }
  if (id.id_last4.size() != 4 || owner_id.size() < 4 || owner_id.substr(owner_id.size() - 4) != id.id_last4)
    return wire("SITE-ID-MISMATCH", "ID digits differ from the responsible person's");
  return std::nullopt;
}

}  // namespace certwiz::site_server

#include "tests/lab/site/login_verifier.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <stdexcept>

namespace certwiz::site_server {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Free<X509_STORE_CTX, X509_STORE_CTX_free>>;
struct CertStackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using CertStack = std::unique_ptr<STACK_OF(X509), CertStackFree>;

// The issuers' OU names the CA (facts: "The issuer's OU names the CA type").
constexpr const char* kBusinessCaUnit = "工商憑證管理中心";
constexpr const char* kCitizenCaUnit = "內政部憑證管理中心";
constexpr const char* kUbnAttribute = "2.16.886.1.100.2.101";
constexpr const char* kIdLast4Attribute = "2.16.886.1.100.2.51";

X509Ptr from_der(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) x.reset();  // trailing bytes
  return x;
}

std::vector<X509Ptr> read_pem_file(const std::string& path) {
  std::unique_ptr<BIO, Free<BIO, BIO_free_all>> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) throw std::runtime_error("cannot read " + path);
  std::vector<X509Ptr> out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
  ERR_clear_error();
  if (out.empty()) throw std::runtime_error(path + " holds no PEM certificate");
  return out;
}

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, Free<BIO, BIO_free_all>> bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string name_entry(const X509_NAME* name, int nid) {
  const int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return {};
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

bool name_has_unit(const X509_NAME* name, const std::string& unit) {
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, i)) >= 0;) {
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n < 0) continue;
    const bool match = std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n)) == unit;
    OPENSSL_free(utf8);
    if (match) return true;
  }
  return false;
}

std::string hex_upper(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

// Subject Directory Attributes (2.5.29.9): SEQUENCE OF Attribute {type, SET OF value}.
// The string values by attribute OID.
std::map<std::string, std::string> directory_attributes(X509* x) {
  std::map<std::string, std::string> out;
  const int idx = X509_get_ext_by_NID(x, NID_subject_directory_attributes, -1);
  if (idx < 0) return out;
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(x, idx));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  ASN1_SEQUENCE_ANY* seq = d2i_ASN1_SEQUENCE_ANY(nullptr, &p, ASN1_STRING_length(data));
  for (int i = 0; seq && i < sk_ASN1_TYPE_num(seq); ++i) {
    ASN1_TYPE* t = sk_ASN1_TYPE_value(seq, i);
    if (t->type != V_ASN1_SEQUENCE) continue;
    const unsigned char* q = ASN1_STRING_get0_data(t->value.sequence);
    X509_ATTRIBUTE* attr = d2i_X509_ATTRIBUTE(nullptr, &q, ASN1_STRING_length(t->value.sequence));
    if (!attr) continue;
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, X509_ATTRIBUTE_get0_object(attr), 1);
    ASN1_TYPE* v = X509_ATTRIBUTE_count(attr) == 1 ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
    if (v && (v->type == V_ASN1_PRINTABLESTRING || v->type == V_ASN1_UTF8STRING || v->type == V_ASN1_IA5STRING)) {
      const ASN1_STRING* s = v->value.asn1_string;
      out[oid].assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
    }
    X509_ATTRIBUTE_free(attr);
  }
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  ERR_clear_error();
  return out;
}

bool has_accepted_policy(X509* x, const std::vector<std::string>& accepted) {
  auto* policies = static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(x, NID_certificate_policies, nullptr, nullptr));
  bool found = false;
  for (int i = 0; policies && i < sk_POLICYINFO_num(policies) && !found; ++i) {
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(policies, i)->policyid, 1);
    found = std::find(accepted.begin(), accepted.end(), oid) != accepted.end();
  }
  CERTIFICATEPOLICIES_free(policies);
  return found;
}

}  // namespace

struct LoginVerifier::Pki {
  X509_STORE* store = X509_STORE_new();
  std::vector<X509Ptr> intermediates;
  ~Pki() { X509_STORE_free(store); }
};

LoginVerifier::LoginVerifier(LoginVerifierOptions options)
    : options_(std::move(options)), pki_(std::make_unique<Pki>()), revocation_(options_.revocation) {
  if (options_.anchor_files.empty()) throw std::runtime_error("no trust anchors");
  for (const auto& f : options_.anchor_files)
    for (auto& x : read_pem_file(f))
      if (X509_STORE_add_cert(pki_->store, x.get()) != 1) ERR_clear_error();  // a duplicate is fine
  for (const auto& f : options_.intermediate_files)
    for (auto& x : read_pem_file(f)) pki_->intermediates.push_back(std::move(x));
}

LoginVerifier::~LoginVerifier() = default;

std::variant<LoginCertificate, WireFailure> LoginVerifier::check_certificate(const std::string& leaf_der,
                                                                             const std::vector<std::string>& other_certs) {
  X509Ptr leaf = from_der(leaf_der);
  if (!leaf) return wire("SITE-CMS-MALFORMED", "signer certificate does not parse");

  CertStack untrusted(sk_X509_new_null());
  for (const auto& x : pki_->intermediates) {
    X509_up_ref(x.get());
    sk_X509_push(untrusted.get(), x.get());
  }
  for (const auto& der : other_certs)
    if (X509Ptr x = from_der(der)) sk_X509_push(untrusted.get(), x.release());

  // The chain first, without dates: "not ours" outranks "expired".
  auto verify = [&](bool check_time, CertStack* chain_out) -> int {
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), pki_->store, leaf.get(), untrusted.get()) != 1) return -1;
    if (!check_time) X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
    const int ok = X509_verify_cert(ctx.get());
    const int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
    if (ok == 1 && chain_out) chain_out->reset(X509_STORE_CTX_get1_chain(ctx.get()));
    ERR_clear_error();
    return err;
  };
  CertStack chain;
  if (int err = verify(false, &chain); err != X509_V_OK)
    return wire("SITE-CERT-UNTRUSTED", std::string("chain: ") + X509_verify_cert_error_string(err));
  if (int err = verify(true, nullptr); err != X509_V_OK) {
    const bool dates = err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID;
    return wire(dates ? "SITE-CERT-EXPIRED" : "SITE-CERT-UNTRUSTED", X509_verify_cert_error_string(err));
  }
  const uint32_t flags = X509_get_extension_flags(leaf.get());
  if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE))
    return wire("SITE-CERT-USAGE", "keyUsage without digitalSignature");
  if (!options_.accepted_policies.empty() && !has_accepted_policy(leaf.get(), options_.accepted_policies))
    return wire("SITE-CERT-POLICY", "no accepted certificate policy");

  LoginCertificate c;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(leaf.get(), EVP_sha256(), md, &md_len) != 1) return wire("SITE-INTERNAL", "X509_digest failed");
  c.fingerprint_sha256 = hex_upper(md, md_len);
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf.get()), nullptr)) {
    char* hex = BN_bn2hex(bn);
    c.serial_hex = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
  }
  c.subject = name_text(X509_get_subject_name(leaf.get()));
  c.issuer = name_text(X509_get_issuer_name(leaf.get()));

  bool cached_good = false;
  if (options_.good_revocation_cache.count() > 0) {
    std::lock_guard lock(cache_mu_);
    auto it = good_until_.find(c.fingerprint_sha256);
    cached_good = it != good_until_.end() && it->second > std::chrono::steady_clock::now();
  }
  if (!cached_good) {
    X509* issuer = sk_X509_num(chain.get()) > 1 ? sk_X509_value(chain.get(), 1) : nullptr;
    if (!issuer) return wire("SITE-CERT-UNTRUSTED", "the leaf is itself an anchor");
    RevocationAnswer r = revocation_.check(leaf.get(), issuer, pki_->store);
    if (r.state == Revocation::revoked) return wire("SITE-CERT-REVOKED", r.detail);
    if (r.state == Revocation::unknown) return wire("SITE-CERT-REVOCATION-UNKNOWN", r.detail);
    if (options_.good_revocation_cache.count() > 0) {
      std::lock_guard lock(cache_mu_);
      if (good_until_.size() > 10000) good_until_.clear();  // bounded; a miss only costs one more query
      good_until_[c.fingerprint_sha256] = std::chrono::steady_clock::now() + options_.good_revocation_cache;
    }
  }

  const X509_NAME* issuer_name = X509_get_issuer_name(leaf.get());
  c.kind = name_has_unit(issuer_name, kBusinessCaUnit)  ? "business"
           : name_has_unit(issuer_name, kCitizenCaUnit) ? "citizen"
                                                        : "";
  c.subject_serial = name_entry(X509_get_subject_name(leaf.get()), NID_serialNumber);
  c.common_name = name_entry(X509_get_subject_name(leaf.get()), NID_commonName);
  auto attrs = directory_attributes(leaf.get());
  c.ubn = attrs[kUbnAttribute];
  c.id_last4 = attrs[kIdLast4Attribute];
  return c;
}

std::optional<WireFailure> identity_mismatch(const LoginCertificate& c, const std::string& login_type,
                                             const std::string& account_ubn, const std::string& owner_id) {
  if (c.kind != login_type)
    return wire("SITE-CERT-KIND", "certificate kind " + (c.kind.empty() ? std::string("other") : c.kind) +
                                      ", login type " + login_type);
  if (login_type == "business") {
    if (c.ubn.empty() || c.subject_serial != c.ubn)
      return wire("SITE-UBN-MISMATCH", "subject serialNumber and extension UBN disagree");
    if (c.ubn != account_ubn) return wire("SITE-UBN-MISMATCH", "certificate UBN differs from the account's");
    return std::nullopt;
  }
  if (c.id_last4.size() != 4 || owner_id.size() < 4 || owner_id.substr(owner_id.size() - 4) != c.id_last4)
    return wire("SITE-ID-MISMATCH", "ID digits differ from the responsible person's");
  return std::nullopt;
}

std::string holder_key(const LoginCertificate& c) {
  if (c.kind == "business" && !c.ubn.empty()) return "business:" + c.ubn;
  if (c.kind == "citizen" && c.id_last4.size() == 4 && !c.common_name.empty())
    return "citizen:" + c.id_last4 + ":" + c.common_name;
  return {};
}

}  // namespace certwiz::site_server

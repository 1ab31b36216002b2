#include "checks/cert/cert_info.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>

#include "checks/cert/ossl.h"
#include "checks/core/display_safe.h"
#include "checks/core/platform.h"

namespace certwiz::cert {

using namespace ossl;

namespace {

// Taiwan GPKI identity attributes sit inside Subject Directory Attributes (2.5.29.9);
// each one CertIdentity keeps, with the field it fills.
constexpr std::string_view kOidSubjectDirectoryAttributes = "2.5.29.9";
struct GpkiAttribute {
  std::string_view oid;
  std::string CertIdentity::*field;
};
constexpr GpkiAttribute kGpkiAttributes[] = {
    {"2.16.886.1.100.2.51", &CertIdentity::id_last4},  {"2.16.886.1.100.2.101", &CertIdentity::ubn},
    {"2.16.886.1.100.2.102", &CertIdentity::org_code}, {"2.16.886.1.100.2.1", &CertIdentity::subject_class},
    {"2.16.886.1.100.2.2", &CertIdentity::card_rank},
};

std::string asn1_string_utf8(const ASN1_STRING* s) {
  if (!s) return {};
  unsigned char* out = nullptr;
  const int n = ASN1_STRING_to_UTF8(&out, s);
  if (n < 0) return {};
  std::string r(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return r;
}

std::string short_name(const ASN1_OBJECT* o) {
  const int nid = OBJ_obj2nid(o);
  if (nid != NID_undef)
    if (const char* sn = OBJ_nid2sn(nid)) return sn;
  return oid_text(o);
}

DistinguishedName read_name(const X509_NAME* name) {
  DistinguishedName dn;
  int last_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    NameAttribute a{short_name(X509_NAME_ENTRY_get_object(e)), asn1_string_utf8(X509_NAME_ENTRY_get_data(e))};
    const int set = X509_NAME_ENTRY_set(e);
    if (!dn.text.empty()) dn.text += set == last_set ? "+" : ", ";
    last_set = set;
    dn.text += a.type + "=" + display_safe(a.value);  // the shown form; attributes stay as issued for matching
    dn.attributes.push_back(std::move(a));
  }
  return dn;
}

std::string attribute_value_text(const ASN1_TYPE* v) {
  switch (v->type) {
    case V_ASN1_OBJECT: return oid_text(v->value.object);
    case V_ASN1_BOOLEAN: return v->value.boolean ? "true" : "false";
    case V_ASN1_INTEGER: {
      BIGNUM* bn = ASN1_INTEGER_to_BN(v->value.integer, nullptr);
      char* dec = bn ? BN_bn2dec(bn) : nullptr;
      std::string r = dec ? dec : "";
      OPENSSL_free(dec);
      BN_free(bn);
      return r;
    }
    case V_ASN1_UTF8STRING: case V_ASN1_PRINTABLESTRING: case V_ASN1_IA5STRING: case V_ASN1_BMPSTRING:
    case V_ASN1_T61STRING: case V_ASN1_NUMERICSTRING: case V_ASN1_VISIBLESTRING: case V_ASN1_UNIVERSALSTRING:
      return asn1_string_utf8(v->value.asn1_string);
    default: {
      // Something the profile does not define: keep the raw bytes visible for a helpdesk.
      unsigned char* der = nullptr;
      const int n = i2d_ASN1_TYPE(const_cast<ASN1_TYPE*>(v), &der);
      std::string r = n > 0 ? "#" + hex_colon(der, static_cast<size_t>(n)) : "";
      OPENSSL_free(der);
      return r;
    }
  }
}

// SubjectDirectoryAttributes ::= SEQUENCE SIZE (1..MAX) OF Attribute. Walked by hand
// because OpenSSL 3.0 has no ASN1_ITEM for it; each element is an X509_ATTRIBUTE.
bool read_directory_attributes(const ASN1_OCTET_STRING* value, CertIdentity& id, std::string& why) {
  const unsigned char* p = ASN1_STRING_get0_data(value);
  const long total = ASN1_STRING_length(value);
  long len = 0;
  int tag = 0, cls = 0;
  const int r = ASN1_get_object(&p, &len, &tag, &cls, total);
  if ((r & 0x80) || r != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL) {
    why = "subjectDirectoryAttributes is not a definite-length SEQUENCE";
    return false;
  }
  const unsigned char* end = p + len;
  while (p < end) {
    X509_ATTRIBUTE* a = d2i_X509_ATTRIBUTE(nullptr, &p, end - p);
    if (!a) {
      why = "subjectDirectoryAttributes holds a malformed Attribute";
      return false;
    }
    const std::string type = oid_text(X509_ATTRIBUTE_get0_object(a));
    std::vector<std::string> values;
    for (int i = 0; i < X509_ATTRIBUTE_count(a); ++i) values.push_back(attribute_value_text(X509_ATTRIBUTE_get0_type(a, i)));
    X509_ATTRIBUTE_free(a);
    const std::string first = values.empty() ? std::string() : values.front();
    for (const auto& g : kGpkiAttributes)
      if (type == g.oid) id.*g.field = first;
    id.directory_attributes.emplace_back(type, std::move(values));
  }
  return true;
}

std::vector<std::string> uris_of(const GENERAL_NAMES* names) {
  std::vector<std::string> out;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_URI) out.push_back(asn1_string_utf8(g->d.uniformResourceIdentifier));
  }
  return out;
}

Error malformed(std::string detail) { return Error{"CERT-MALFORMED", std::move(detail)}; }

}  // namespace

std::vector<std::string> DistinguishedName::values(std::string_view type) const {
  std::vector<std::string> out;
  for (const auto& a : attributes)
    if (a.type == type) out.push_back(a.value);
  return out;
}

std::string DistinguishedName::first(std::string_view type) const {
  for (const auto& a : attributes)
    if (a.type == type) return a.value;
  return {};
}

std::vector<std::string> KeyUsage::names() const {
  std::vector<std::string> out;
  if (digital_signature) out.push_back("digitalSignature");
  if (non_repudiation) out.push_back("nonRepudiation");
  if (key_encipherment) out.push_back("keyEncipherment");
  if (data_encipherment) out.push_back("dataEncipherment");
  if (key_agreement) out.push_back("keyAgreement");
  if (key_cert_sign) out.push_back("keyCertSign");
  if (crl_sign) out.push_back("cRLSign");
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  size_t size = static_cast<size_t>(n);
  if (clean.ends_with("==")) size -= 2;
  else if (clean.ends_with("=")) size -= 1;
  out.resize(size);
  return out;
}

std::string iso8601_utc(std::time_t t) {
  const std::tm tm = utc_calendar(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Expected<CertInfo> parse_certificate(std::string_view input) {
  if (input.empty()) return malformed("empty certificate");
  X509Ptr x;
  if (input.find("-----BEGIN") != std::string_view::npos) {
    BioPtr bio(BIO_new_mem_buf(input.data(), static_cast<int>(input.size())));
    x.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x) return malformed("PEM: " + last_error());
  } else {
    x = d2i_cert(input);
    if (!x) {
      const std::string why = last_error();
      return malformed("DER: " + (why.empty() ? std::string("not exactly one certificate") : why));
    }
  }
  // Computing the extension cache also validates the extensions' encodings.
  const uint32_t flags = X509_get_extension_flags(x.get());
  if (flags & EXFLAG_INVALID) return malformed("an extension is malformed or duplicated: " + last_error());

  CertInfo info;
  info.der = i2d_cert(x.get());
  info.subject = read_name(X509_get_subject_name(x.get()));
  info.issuer = read_name(X509_get_issuer_name(x.get()));
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr)) {
    char* hex = BN_bn2hex(bn);
    info.serial_hex = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
  }
  info.not_before = to_time_t(X509_get0_notBefore(x.get()));
  info.not_after = to_time_t(X509_get0_notAfter(x.get()));
  if (!info.not_before || !info.not_after) return malformed("validity dates cannot be read");
  info.version = static_cast<int>(X509_get_version(x.get())) + 1;
  info.is_ca = (flags & EXFLAG_CA) != 0;
  info.self_issued = (flags & EXFLAG_SI) != 0;
  if (const EVP_PKEY* key = X509_get0_pubkey(x.get())) {
    info.key_bits = EVP_PKEY_get_bits(key);
    const int id = EVP_PKEY_get_base_id(key);
    info.key_algorithm = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "?";
  } else {
    return malformed("public key cannot be decoded: " + last_error());
  }
  if (const char* sig = OBJ_nid2ln(X509_get_signature_nid(x.get()))) info.signature_algorithm = sig;

  if (flags & EXFLAG_KUSAGE) {
    const uint32_t ku = X509_get_key_usage(x.get());
    info.key_usage = {true, (ku & KU_DIGITAL_SIGNATURE) != 0, (ku & KU_NON_REPUDIATION) != 0,
                      (ku & KU_KEY_ENCIPHERMENT) != 0, (ku & KU_DATA_ENCIPHERMENT) != 0,
                      (ku & KU_KEY_AGREEMENT) != 0, (ku & KU_KEY_CERT_SIGN) != 0, (ku & KU_CRL_SIGN) != 0};
  }
  int crit = 0;
  if (auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x.get(), NID_ext_key_usage, &crit, nullptr))) {
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) info.extended_key_usage.push_back(oid_text(sk_ASN1_OBJECT_value(eku, i)));
    EXTENDED_KEY_USAGE_free(eku);
  }
  if (auto* pol = static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(x.get(), NID_certificate_policies, &crit, nullptr))) {
    for (int i = 0; i < sk_POLICYINFO_num(pol); ++i) info.policies.push_back(oid_text(sk_POLICYINFO_value(pol, i)->policyid));
    CERTIFICATEPOLICIES_free(pol);
  }
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(x.get()))
    info.subject_key_id = hex_colon(ASN1_STRING_get0_data(ski), static_cast<size_t>(ASN1_STRING_length(ski)));
  if (const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(x.get()))
    info.authority_key_id = hex_colon(ASN1_STRING_get0_data(aki), static_cast<size_t>(ASN1_STRING_length(aki)));
  if (auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(x.get(), NID_info_access, &crit, nullptr))) {
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); ++i) {
      const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia, i);
      if (ad->location->type != GEN_URI) continue;
      const std::string uri = asn1_string_utf8(ad->location->d.uniformResourceIdentifier);
      const int method = OBJ_obj2nid(ad->method);
      if (method == NID_ad_OCSP) info.ocsp_urls.push_back(uri);
      else if (method == NID_ad_ca_issuers) info.ca_issuer_urls.push_back(uri);
    }
    AUTHORITY_INFO_ACCESS_free(aia);
  }
  if (auto* cdp = static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(x.get(), NID_crl_distribution_points, &crit, nullptr))) {
    for (int i = 0; i < sk_DIST_POINT_num(cdp); ++i) {
      const DIST_POINT* dp = sk_DIST_POINT_value(cdp, i);
      if (dp->distpoint && dp->distpoint->type == 0)
        for (auto& u : uris_of(dp->distpoint->name.fullname)) info.crl_urls.push_back(std::move(u));
    }
    CRL_DIST_POINTS_free(cdp);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(x.get(), EVP_sha256(), md, &md_len) == 1) info.sha256_fingerprint = hex_colon(md, md_len);

  CertIdentity& id = info.identity;
  if (const CaTypeEntry* ca = ca_type_for_issuer(info.issuer)) {
    id.ca_type = ca->type;
    id.card_kind = ca->card;
  }
  id.subject_serial = info.subject.first("serialNumber");
  id.holder_name = id.card_kind == CardKind::citizen ? info.subject.first("CN") : info.subject.first("O");
  if (id.holder_name.empty()) id.holder_name = info.subject.first("CN");
  for (int i = 0; i < X509_get_ext_count(x.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(x.get(), i);
    if (oid_text(X509_EXTENSION_get_object(ext)) != kOidSubjectDirectoryAttributes) continue;
    std::string why;
    if (!read_directory_attributes(X509_EXTENSION_get_data(ext), id, why)) return malformed(why);
  }
  ERR_clear_error();
  return info;
}

Json to_json(const CertIdentity& id) {
  Json j = {{"ca_type", ca_type_name(id.ca_type)},
            {"card_kind", card_kind_name(id.card_kind)},
            {"holder_name", id.holder_name}};
  if (!id.subject_serial.empty()) j["subject_serial"] = id.subject_serial;
  if (!id.id_last4.empty()) j["id_last4"] = id.id_last4;
  if (!id.ubn.empty()) j["ubn"] = id.ubn;
  if (!id.org_code.empty()) j["org_code"] = id.org_code;
  if (!id.subject_class.empty()) j["subject_class"] = id.subject_class;
  if (!id.card_rank.empty()) j["card_rank"] = id.card_rank;
  return j;
}

Json to_json(const CertInfo& c) {
  Json j = {{"subject", c.subject.text},
            {"issuer", c.issuer.text},
            {"serial", c.serial_hex},
            {"not_before", iso8601_utc(c.not_before)},
            {"not_after", iso8601_utc(c.not_after)},
            {"key", c.key_algorithm + "-" + std::to_string(c.key_bits)},
            {"signature_algorithm", c.signature_algorithm},
            {"key_usage", c.key_usage.names()},
            {"extended_key_usage", c.extended_key_usage},
            {"policies", c.policies},
            {"subject_key_id", c.subject_key_id},
            {"authority_key_id", c.authority_key_id},
            {"ocsp_urls", c.ocsp_urls},
            {"ca_issuer_urls", c.ca_issuer_urls},
            {"crl_urls", c.crl_urls},
            {"sha256_fingerprint", c.sha256_fingerprint},
            {"identity", to_json(c.identity)}};
  return j;
}

}  // namespace certwiz::cert

#pragma once
// What a certificate says: names, dates, usages, policies, key identifiers, where its
// issuer and revocation data live, and the holder's identity from the Taiwan GPKI
// Subject Directory Attributes extension. Parsing never crashes on bad input.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/cert/ca_type.h"
#include "checks/core/result.h"

namespace certwiz::cert {

// One attribute of a distinguished name, in certificate order ("C", "TW").
struct NameAttribute {
  std::string type;   // short name ("CN", "OU", "serialNumber") or dotted OID
  std::string value;  // UTF-8 (BMPString / UniversalString are converted)
};

struct DistinguishedName {
  std::vector<NameAttribute> attributes;
  std::string text;  // "C=TW, O=行政院, OU=內政部憑證管理中心" (UTF-8, not escaped)

  // Every value of one attribute type, in order.
  std::vector<std::string> values(std::string_view type) const;
  std::string first(std::string_view type) const;  // empty when absent
};

// The holder as the Taiwan GPKI profile records it.
struct CertIdentity {
  CaType ca_type = CaType::unknown;
  CardKind card_kind = CardKind::unknown;
  std::string holder_name;     // CN (citizen) or O (business)
  std::string subject_serial;  // subject serialNumber (the UBN on MOEACA certificates)
  std::string id_last4;        // 2.16.886.1.100.2.51: last 4 digits of the national ID (MOICA)
  std::string ubn;             // 2.16.886.1.100.2.101: 統一編號 (MOEACA)
  std::string org_code;        // 2.16.886.1.100.2.102: organisation code (GCA/XCA)
  std::string subject_class;   // 2.16.886.1.100.2.1
  std::string card_rank;       // 2.16.886.1.100.2.2: primary / secondary card
  // Every attribute found in the extension, OID → values (unknown ones included).
  std::vector<std::pair<std::string, std::vector<std::string>>> directory_attributes;
};

// Bits of the keyUsage extension (RFC 5280 order).
struct KeyUsage {
  bool present = false;
  bool digital_signature = false, non_repudiation = false, key_encipherment = false,
       data_encipherment = false, key_agreement = false, key_cert_sign = false, crl_sign = false;
  std::vector<std::string> names() const;  // "digitalSignature", ...
};

struct CertInfo {
  std::string der;  // the certificate as parsed
  DistinguishedName subject, issuer;
  std::string serial_hex;  // upper-case hex, no separators
  std::time_t not_before = 0, not_after = 0;
  int version = 0;
  bool is_ca = false;
  bool self_issued = false;
  std::string key_algorithm;  // "RSA", "EC", ...
  int key_bits = 0;
  std::string signature_algorithm;
  KeyUsage key_usage;
  std::vector<std::string> extended_key_usage;  // dotted OIDs
  std::vector<std::string> policies;            // dotted OIDs
  std::string subject_key_id;                   // "FA:9B:34:..." (empty when absent)
  std::string authority_key_id;
  std::vector<std::string> ocsp_urls;
  std::vector<std::string> ca_issuer_urls;
  std::vector<std::string> crl_urls;
  std::string sha256_fingerprint;  // "C4:C4:..."
  CertIdentity identity;
};

// Parses one certificate from DER or PEM bytes. CERT-MALFORMED when the bytes are not
// exactly one well-formed certificate.
Expected<CertInfo> parse_certificate(std::string_view der_or_pem);

// Decodes base64 (whitespace tolerated); nullopt when it is not base64.
std::optional<std::string> decode_base64(std::string_view text);

// "2026-01-02T03:04:05Z"
std::string iso8601_utc(std::time_t t);

Json to_json(const CertInfo& info);
Json to_json(const CertIdentity& identity);

}  // namespace certwiz::cert

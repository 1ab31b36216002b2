#include "checks/cert/card_certs.h"

#include <algorithm>
#include <cctype>

#include "checks/cert/cert_info.h"

namespace certwiz::cert {
namespace {

// CKA_ID values of HiCOS cards ("SIGN", "KEYX" in ASCII) and their labels.
constexpr std::string_view kSignId = "5349474e";
constexpr std::string_view kKeyxId = "4b455958";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

CardCertRole role_of(const std::string& id, const std::string& label, const std::string& der) {
  const std::string lid = lower(id);
  if (lid == kSignId || label == "SIGN") return CardCertRole::sign;
  if (lid == kKeyxId || label == "KEYX") return CardCertRole::keyx;
  if (!der.empty())
    if (auto info = parse_certificate(der); info && info->is_ca) return CardCertRole::ca;
  return CardCertRole::other;
}

std::string string_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view card_cert_role_name(CardCertRole r) {
  switch (r) {
    case CardCertRole::sign: return "SIGN";
    case CardCertRole::keyx: return "KEYX";
    case CardCertRole::ca: return "CA";
    case CardCertRole::other: break;
  }
  return "other";
}

std::vector<std::string> CardToken::ca_certificates() const {
  std::vector<std::string> out;
  for (const auto& c : certificates)
    if (c.role == CardCertRole::ca) out.push_back(c.der);
  return out;
}

const CardCertificate* CardToken::find(CardCertRole role) const {
  for (const auto& c : certificates)
    if (c.role == role) return &c;
  return nullptr;
}

CardCertificate make_card_certificate(std::string object_id, std::string label, std::string der) {
  CardCertificate cert;
  cert.object_id = std::move(object_id);
  cert.label = std::move(label);
  cert.der = std::move(der);
  cert.role = role_of(cert.object_id, cert.label, cert.der);
  return cert;
}

CardTokens card_tokens_from(const pkcs11::TokenInventory& inventory) {
  CardTokens out;
  for (const auto& t : inventory.tokens) {
    CardToken token;
    token.slot_id = t.slot_id;
    token.reader = t.reader;
    token.label = t.label;
    token.serial = t.serial;
    for (const auto& c : t.certificates) {
      auto der = decode_base64(c.der_base64);
      token.certificates.push_back(make_card_certificate(c.id, c.label, der ? std::move(*der) : std::string()));
    }
    out.tokens.push_back(std::move(token));
  }
  return out;
}

Expected<std::vector<CardToken>> card_tokens_from_evidence(const Json& evidence) {
  auto bad = [](std::string why) { return Error{"CERT-MALFORMED", "pkcs11.tokens evidence: " + why}; };
  if (!evidence.is_object()) return bad("not an object");
  auto tokens = evidence.find("tokens");
  if (tokens == evidence.end() || !tokens->is_array()) return bad("no \"tokens\" array");
  std::vector<CardToken> out;
  for (const auto& t : *tokens) {
    if (!t.is_object()) return bad("a token is not an object");
    CardToken token;
    if (auto s = t.find("slot_id"); s != t.end() && s->is_number_integer() && s->get<int64_t>() >= 0)
      token.slot_id = s->get<uint64_t>();
    token.reader = string_field(t, "reader");
    token.label = string_field(t, "label");
    token.serial = string_field(t, "serial");
    if (auto certs = t.find("certificates"); certs != t.end()) {
      if (!certs->is_array()) return bad("\"certificates\" is not an array");
      for (const auto& c : *certs) {
        if (!c.is_object()) return bad("a certificate is not an object");
        auto der = decode_base64(string_field(c, "der_base64"));
        token.certificates.push_back(
            make_card_certificate(string_field(c, "id"), string_field(c, "label"), der ? std::move(*der) : std::string()));
      }
    }
    out.push_back(std::move(token));
  }
  return out;
}

}  // namespace certwiz::cert

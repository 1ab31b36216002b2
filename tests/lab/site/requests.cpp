#include "tests/lab/site/requests.h"

#include <cctype>
#include <map>

namespace certwiz::site_server {
namespace {

using nlohmann::json;

// Fields longer than this are refused as malformed: nothing the protocol sends comes
// close except the base64 CMS, which the 64 KiB body limit bounds anyway.
constexpr size_t kMaxField = 256;

struct Reader {
  const json& j;
  std::string problem;

  bool str(const char* key, std::string& out, bool required, size_t max = kMaxField) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) problem = std::string("missing \"") + key + "\"";
      return !required;
    }
    if (!it->is_string()) {
      problem = std::string("\"") + key + "\" is not a string";
      return false;
    }
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max) {
      problem = std::string("\"") + key + "\" is too long";
      return false;
    }
    out = s;
    return true;
  }
};

std::optional<json> object(std::string_view body, WireFailure& f) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    f = wire("SITE-BODY-MALFORMED", "body is not a JSON object");
    return std::nullopt;
  }
  return j;
}

}  // namespace

int wire_status(std::string_view code) {
  static const std::map<std::string_view, int> kStatus{
      {"SITE-BODY-TOO-LARGE", 413},       {"SITE-BODY-MALFORMED", 400},      {"SITE-UBN-INVALID", 400},
      {"SITE-COMPANY-NOT-FOUND", 404},    {"SITE-FORM-INVALID", 422},        {"SITE-ACCOUNT-EXISTS", 409},
      {"SITE-ACCOUNT-UNKNOWN", 404},      {"SITE-CONTROL-NO-MISMATCH", 400}, {"SITE-CODE-WRONG", 401},
      {"SITE-CODE-LOCKED", 429},          {"SITE-CODE-EXPIRED", 410},        {"SITE-NONCE-UNKNOWN", 400},
      {"SITE-NONCE-WRONG-CLIENT", 403},   {"SITE-NONCE-REPLAYED", 409},      {"SITE-NONCE-EXPIRED", 410},
      {"SITE-CHALLENGE-MISMATCH", 400},   {"SITE-CMS-MALFORMED", 400},       {"SITE-CMS-SIGNERS", 400},
      {"SITE-CMS-NO-CERT", 400},          {"SITE-CMS-CONTENT-MISMATCH", 400}, {"SITE-CERT-UNTRUSTED", 403},
      {"SITE-CERT-EXPIRED", 403},         {"SITE-CERT-USAGE", 403},          {"SITE-CERT-POLICY", 403},
      {"SITE-CERT-REVOKED", 403},         {"SITE-CERT-REVOCATION-UNKNOWN", 503}, {"SITE-CERT-KIND", 403},
      {"SITE-UBN-MISMATCH", 403},         {"SITE-ID-MISMATCH", 403},         {"SITE-LOGIN-TYPE-DISABLED", 403},
      {"SITE-CERT-NOT-BOUND", 401},       {"SITE-SESSION-INVALID", 401},     {"SITE-RATE-LIMITED", 429},
      {"SITE-INTERNAL", 500},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 500 : it->second;
}

WireFailure wire(std::string_view code, std::string detail) {
  WireFailure f;
  f.code = std::string(code);
  f.status = wire_status(code);
  f.detail = std::move(detail);
  return f;
}

Parsed<ChallengeRequest> parse_challenge_request(std::string_view body) {
  Parsed<ChallengeRequest> p;
  auto j = object(body, p.failure);
  if (!j) return p;
  Reader r{*j, {}};
  std::string purpose;
  ChallengeRequest c;
  if (!r.str("purpose", purpose, true)) {
    p.failure = wire("SITE-BODY-MALFORMED", r.problem);
    return p;
  }
  auto pp = site::parse_purpose(purpose);
  if (!pp) {
    p.failure = wire("SITE-BODY-MALFORMED", "unknown purpose");
    return p;
  }
  c.purpose = *pp;
  if (c.purpose == site::Purpose::bind) {
    if (!r.str("ubn", c.ubn, true) || !r.str("control_no", c.control_no, false)) {
      p.failure = wire("SITE-BODY-MALFORMED", r.problem);
      return p;
    }
  }
  p.value = std::move(c);
  return p;
}

Parsed<BindRequest> parse_bind_request(std::string_view body) {
  Parsed<BindRequest> p;
  auto j = object(body, p.failure);
  if (!j) return p;
  Reader r{*j, {}};
  BindRequest b;
  if (!r.str("challenge_id", b.challenge_id, true) || !r.str("ubn", b.ubn, true) ||
      !r.str("control_no", b.control_no, false) || !r.str("verification_code", b.verification_code, true) ||
      !r.str("login_type", b.login_type, true) || !r.str("signature", b.signature, true, site::kMaxBodyBytes)) {
    p.failure = wire("SITE-BODY-MALFORMED", r.problem);
    return p;
  }
  if (b.login_type != "business" && b.login_type != "citizen") {
    p.failure = wire("SITE-BODY-MALFORMED", "login_type is neither business nor citizen");
    return p;
  }
  p.value = std::move(b);
  return p;
}

Parsed<LoginRequest> parse_login_request(std::string_view body) {
  Parsed<LoginRequest> p;
  auto j = object(body, p.failure);
  if (!j) return p;
  Reader r{*j, {}};
  LoginRequest l;
  if (!r.str("challenge_id", l.challenge_id, true) || !r.str("signature", l.signature, true, site::kMaxBodyBytes)) {
    p.failure = wire("SITE-BODY-MALFORMED", r.problem);
    return p;
  }
  p.value = std::move(l);
  return p;
}

std::string bearer_token(std::string_view h) {
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || h.substr(0, kBearer.size()) != kBearer) return {};
  return std::string(h.substr(kBearer.size()));
}

std::string cookie_value(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    pos = end + 1;
  }
  return {};
}

bool well_formed_token(std::string_view t) {
  if (t.size() != 43) return false;
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace certwiz::site_server

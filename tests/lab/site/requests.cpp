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

// Each wire code's HTTP status and the site's own words for it (docs/site-protocol.md).
struct WireCode {
  int status;
  const char* message;
  const char* message_zh;
};

const std::map<std::string_view, WireCode>& wire_codes() {
  static const std::map<std::string_view, WireCode> kCodes{
      {"SITE-BODY-TOO-LARGE", {413, "The request is too large.", "送出的資料太大。"}},
      {"SITE-BODY-MALFORMED", {400, "The request could not be read.", "無法解讀送出的資料。"}},
      {"SITE-UBN-INVALID", {400, "The UBN is not a valid 統一編號.", "統一編號不正確。"}},
      {"SITE-COMPANY-NOT-FOUND", {404, "No company with this UBN is registered.", "查無此統一編號的公司登記資料。"}},
      {"SITE-FORM-INVALID", {422, "Some fields of the application are wrong.", "申請書有欄位不正確。"}},
      {"SITE-ATTACHMENT-INVALID", {422, "An attachment is not an acceptable document.", "附件不符規定。"}},
      {"SITE-ACCOUNT-EXISTS", {409, "This UBN already has an account or a pending application.", "此統一編號已有帳號或審核中的申請。"}},
      {"SITE-ACCOUNT-UNKNOWN", {404, "No approved account has this UBN.", "此統一編號沒有已核准的帳號。"}},
      {"SITE-CONTROL-NO-MISMATCH", {400, "The control number does not match the account.", "管制編號與帳號不符。"}},
      {"SITE-CODE-WRONG", {401, "The verification code is wrong.", "驗證碼錯誤。"}},
      {"SITE-CODE-LOCKED", {429, "The verification code is locked after too many wrong tries.", "驗證碼錯誤次數過多，已鎖定。"}},
      {"SITE-CODE-EXPIRED", {410, "The verification code has expired.", "驗證碼已過期。"}},
      {"SITE-NONCE-UNKNOWN", {400, "The site did not issue this challenge.", "網站沒有發出這個挑戰碼。"}},
      {"SITE-NONCE-WRONG-CLIENT", {403, "The challenge was issued to another client.", "挑戰碼屬於另一個連線。"}},
      {"SITE-NONCE-REPLAYED", {409, "The challenge has already been used.", "挑戰碼已經用過。"}},
      {"SITE-NONCE-EXPIRED", {410, "The challenge has expired.", "挑戰碼已逾時。"}},
      {"SITE-CHALLENGE-MISMATCH", {400, "The challenge was issued for something else.", "挑戰碼的用途不符。"}},
      {"SITE-CMS-MALFORMED", {400, "The signature could not be read or does not verify.", "簽章無法解讀或驗證失敗。"}},
      {"SITE-CMS-SIGNERS", {400, "The signature must have exactly one signer.", "簽章必須恰有一位簽署者。"}},
      {"SITE-CMS-NO-CERT", {400, "The signer's certificate is missing from the signature.", "簽章中沒有簽署者的憑證。"}},
      {"SITE-CMS-CONTENT-MISMATCH", {400, "The signed text or nonce is not the one the site issued.", "簽署的內容或挑戰碼與網站發出的不同。"}},
      {"SITE-CERT-UNTRUSTED", {403, "The certificate does not chain to a CA the site trusts.", "憑證不是網站信任的憑證機構所發。"}},
      {"SITE-CERT-EXPIRED", {403, "The certificate is expired or not yet valid.", "憑證已過期或尚未生效。"}},
      {"SITE-CERT-USAGE", {403, "The certificate is not for signing.", "此憑證不能用於簽章。"}},
      {"SITE-CERT-POLICY", {403, "The certificate's policy is not accepted here.", "網站不接受此憑證政策。"}},
      {"SITE-CERT-REVOKED", {403, "The certificate has been revoked.", "憑證已被廢止。"}},
      {"SITE-CERT-REVOCATION-UNKNOWN", {503, "The site could not learn whether the certificate is revoked.", "網站無法確認憑證是否已被廢止。"}},
      {"SITE-CERT-KIND", {403, "The certificate is of the other kind than the login type.", "憑證種類與登入方式不符。"}},
      {"SITE-UBN-MISMATCH", {403, "The certificate's UBN is not the account's.", "憑證的統一編號與帳號不符。"}},
      {"SITE-ID-MISMATCH", {403, "The certificate holder is not the account's responsible person.", "憑證持有人不是帳號的負責人。"}},
      {"SITE-LOGIN-TYPE-DISABLED", {403, "This login type is disabled on the account.", "此帳號未啟用這種憑證登入。"}},
      {"SITE-CERT-NOT-BOUND", {401, "The certificate is not bound to any account.", "此憑證尚未綁定任何帳號。"}},
      {"SITE-CERT-RENEWED", {401, "This certificate is not the one bound to the account: a renewed card needs a new verification code and a re-binding.", "此憑證不是帳號綁定的那一張：換發的新卡需要新的驗證碼並重新綁定。"}},
      {"SITE-CERT-REPLACED", {401, "This certificate was replaced by a newer one at a re-binding and no longer logs in.", "此憑證已在重新綁定時被新憑證取代，不能再用來登入。"}},
      {"SITE-APPLICATION-UNKNOWN", {404, "No application with this number for this UBN.", "查無此統一編號的這個申請案號。"}},
      {"SITE-SESSION-INVALID", {401, "The session is missing, expired or ended.", "登入狀態不存在、已逾時或已登出。"}},
      {"SITE-RATE-LIMITED", {429, "Too many requests; wait a minute.", "要求太頻繁，請稍候再試。"}},
      {"SITE-INTERNAL", {500, "The site failed; try again later.", "網站發生錯誤，請稍後再試。"}},
  };
  return kCodes;
}

}  // namespace

int wire_status(std::string_view code) {
  auto it = wire_codes().find(code);
  return it == wire_codes().end() ? 500 : it->second.status;
}

std::string error_body(std::string_view code, int attempts_left) {
  auto it = wire_codes().find(code);
  json e{{"code", std::string(code)},
         {"message", it == wire_codes().end() ? std::string(code) : it->second.message},
         {"message_zh", it == wire_codes().end() ? std::string(code) : it->second.message_zh}};
  json body{{"error", e}};
  if (attempts_left >= 0) body["attempts_left"] = attempts_left;
  return body.dump();
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
  auto pp = parse_purpose(purpose);
  if (!pp) {
    p.failure = wire("SITE-BODY-MALFORMED", "unknown purpose");
    return p;
  }
  c.purpose = *pp;
  if (c.purpose == Purpose::bind) {
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
      !r.str("login_type", b.login_type, true) || !r.str("signature", b.signature, true, kMaxBodyBytes)) {
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
  if (!r.str("challenge_id", l.challenge_id, true) || !r.str("signature", l.signature, true, kMaxBodyBytes)) {
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

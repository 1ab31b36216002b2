#include "checks/localsign/client.h"

#include <openssl/crypto.h>

#include "checks/core/display_safe.h"
#include "checks/localsign/ret_codes.h"
#include "checks/net/http.h"

namespace certwiz::localsign {

namespace {

Error malformed(const std::string& what) { return Error{"LOCALSIGN-MALFORMED", what}; }

// ret_code may come as a number (possibly negative) or a numeric string.
std::optional<int64_t> read_number(const Json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_unsigned()) return static_cast<int64_t>(j.get<uint64_t>());
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s.empty() || s.size() > 20) return std::nullopt;
    try {
      size_t used = 0;
      const long long v = std::stoll(s, &used, 0);
      if (used != s.size()) return std::nullopt;
      return v;
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Every string of the component's answers passes here: display-safe from the start
// (reader names, certificate subjects and versions are shown to people).
std::string str(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const auto& v = j[key];
  if (v.is_string()) return display_safe(v.get_ref<const std::string&>());
  if (v.is_number()) return v.dump();
  return {};
}

Expected<Json> parse_object(std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) return malformed("answer is not JSON");
  if (!j.is_object()) return malformed("answer is not a JSON object");
  return j;
}


}  // namespace

Expected<std::string> parse_version_page(std::string_view body) {
  const auto pos = body.find("version:");
  if (pos == std::string_view::npos) return malformed("no 'version:' in the answer");
  std::string v;
  for (size_t i = pos + 8; i < body.size() && v.size() < 32; ++i) {
    const char c = body[i];
    if ((c >= '0' && c <= '9') || c == '.') v += c;
    else if (v.empty() && c == ' ') continue;
    else break;
  }
  if (v.empty() || v.front() == '.' || v.back() == '.') return malformed("version is not a dotted number");
  return v;
}

Expected<Pkcs11Info> parse_pkcs11info(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const Json& j = *parsed;
  Pkcs11Info info;
  if (!j.contains("ret_code")) return malformed("pkcs11info answer has no ret_code");
  auto rc = read_number(j["ret_code"]);
  if (!rc) return malformed("ret_code is not a number");
  info.ret_code = normalize_code(*rc);
  info.server_version = str(j, "serverVersion");
  info.library_description = str(j, "libraryDescription");
  info.library_version = str(j, "libraryVersion");
  if (j.contains("slots")) {
    if (!j["slots"].is_array()) return malformed("slots is not an array");
    for (const auto& s : j["slots"]) {
      if (!s.is_object()) return malformed("a slot is not an object");
      SlotEntry slot;
      slot.description = str(s, "slotDescription");
      if (s.contains("token") && s["token"].is_object()) {
        TokenEntry t;
        t.serial = str(s["token"], "serialNumber");
        if (s["token"].contains("certs")) {
          if (!s["token"]["certs"].is_array()) return malformed("certs is not an array");
          for (const auto& c : s["token"]["certs"]) {
            if (!c.is_object()) return malformed("a certificate entry is not an object");
            t.certs.push_back({str(c, "certb64"), str(c, "label"), str(c, "usage"), str(c, "sn"), str(c, "subjectDN"),
                               str(c, "issuerDN")});
          }
        }
        slot.token = std::move(t);
      }
      info.slots.push_back(std::move(slot));
    }
  }
  return info;
}

Expected<SignResponse> parse_sign_response(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const Json& j = *parsed;
  if (!j.contains("ret_code")) return malformed("sign answer has no ret_code");
  auto rc = read_number(j["ret_code"]);
  if (!rc) return malformed("ret_code is not a number");
  SignResponse r;
  r.ret_code = normalize_code(*rc);
  if (j.contains("last_error"))
    if (auto le = read_number(j["last_error"])) r.last_error = *le;
  r.signature_b64 = str(j, "signature");
  r.certb64 = str(j, "certb64");
  r.card_sn = str(j, "cardSN");
  if (r.ret_code == 0 && r.signature_b64.empty()) return malformed("success without a signature");
  return r;
}

Client::Client(std::string base_url, std::chrono::milliseconds timeout) : base_(std::move(base_url)), timeout_(timeout) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

Expected<std::string> Client::call(const std::string& method, const std::string& path, std::string_view body,
                                   const std::vector<std::string>& headers) const {
  net::HttpRequest req;
  req.method = method;
  req.url = base_ + path;
  req.proxy = "direct";  // a loopback service: never through a proxy
  req.body = body;
  req.headers = headers;
  req.timeout = timeout_;
  req.connect_timeout = std::min(timeout_, std::chrono::milliseconds(3000));
  req.max_body = 4 * 1024 * 1024;
  auto resp = net::http_request(req);
  if (!resp.ok()) {
    if (resp.failure == net::HttpFailure::timeout) return Error{"LOCALSIGN-TIMEOUT", resp.error};
    if (resp.failure == net::HttpFailure::too_large) return malformed("answer too large");
    // It answered and then broke off (connection reset, fewer bytes than announced):
    // something is listening, so "not running" would send the user the wrong way.
    if (resp.status != 0) return malformed("answer broken off after HTTP " + std::to_string(resp.status) + ": " + resp.error);
    return Error{"LOCALSIGN-NOT-RUNNING", resp.error};
  }
  if (resp.status != 200) return malformed("HTTP " + std::to_string(resp.status) + " from " + path);
  return std::move(resp.body);
}

Expected<std::string> Client::version() const {
  auto body = call("GET", "/", {}, {});
  if (!body) return body.error();
  return parse_version_page(*body);
}

Expected<Pkcs11Info> Client::pkcs11info(bool with_certs) const {
  auto body = call("GET", with_certs ? "/pkcs11info?withcert=true" : "/pkcs11info", {}, {});
  if (!body) return body.error();
  return parse_pkcs11info(*body);
}

Expected<SignResponse> Client::sign(const SignRequest& request) const {
  Json pkg;
  pkg["tbs"] = request.tbs;
  pkg["tbsEncoding"] = "NONE";
  pkg["hashAlgorithm"] = "SHA256";
  pkg["withCardSN"] = request.with_card_sn ? "true" : "false";
  pkg["nonce"] = request.nonce;
  pkg["func"] = "MakeSignature";
  pkg["signatureType"] = request.signature_type;
  pkg["slotDescription"] = request.slot_description;
  std::string json = pkg.dump();
  json.pop_back();  // reopen the object for the PIN
  std::string with_pin;
  const size_t pin_len = request.pin ? request.pin->size() : 0;
  with_pin.reserve(json.size() + 16 + 6 * pin_len);
  with_pin = json;
  with_pin += ",\"pin\":";
  append_json_string(with_pin, request.pin ? request.pin->reveal() : std::string_view{});
  with_pin += '}';
  std::string body;
  body.reserve(16 + 3 * with_pin.size());
  body = "tbsPackage=";
  net::form_encode_append(body, with_pin);  // capacity reserved: no reallocation leaves a copy
  wipe(with_pin);
  std::vector<std::string> headers = {"Content-Type: application/x-www-form-urlencoded"};
  if (!request.origin.empty()) {
    headers.push_back("Origin: " + request.origin);
    headers.push_back("Referer: " + request.origin + "/");
  }
  auto answer = call("POST", "/sign", body, headers);
  wipe(body);
  if (!answer) return answer.error();
  return parse_sign_response(*answer);
}

}  // namespace certwiz::localsign

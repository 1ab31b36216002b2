#include "checks/site/client.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "checks/core/display_safe.h"
#include "checks/localsign/client.h"
#include "checks/localsign/ret_codes.h"
#include "checks/net/http.h"
#include "checks/pkcs11/cms.h"
#include "checks/pkcs11/discovery.h"
#include "checks/pkcs11/inventory.h"
#include "checks/pkcs11/module_host.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/pin_state.h"
#include "checks/pkcs11/protocol.h"
#include "checks/pkcs11/session.h"

namespace certwiz::site {

namespace {

using JsonIn = nlohmann::json;

// The codes a site may send (docs/site-protocol.md, "Wire codes").
constexpr std::array<std::string_view, 38> kWireCodes = {
    "SITE-BODY-TOO-LARGE",       "SITE-BODY-MALFORMED",     "SITE-UBN-INVALID",
    "SITE-COMPANY-NOT-FOUND",    "SITE-FORM-INVALID",       "SITE-ACCOUNT-EXISTS",
    "SITE-ACCOUNT-UNKNOWN",      "SITE-CONTROL-NO-MISMATCH", "SITE-CODE-WRONG",
    "SITE-CODE-LOCKED",          "SITE-CODE-EXPIRED",       "SITE-NONCE-UNKNOWN",
    "SITE-NONCE-WRONG-CLIENT",   "SITE-NONCE-REPLAYED",     "SITE-NONCE-EXPIRED",
    "SITE-CHALLENGE-MISMATCH",   "SITE-CMS-MALFORMED",      "SITE-CMS-SIGNERS",
    "SITE-CMS-NO-CERT",          "SITE-CMS-CONTENT-MISMATCH", "SITE-CERT-UNTRUSTED",
    "SITE-CERT-EXPIRED",         "SITE-CERT-USAGE",         "SITE-CERT-POLICY",
    "SITE-CERT-REVOKED",         "SITE-CERT-REVOCATION-UNKNOWN", "SITE-CERT-KIND",
    "SITE-UBN-MISMATCH",         "SITE-ID-MISMATCH",        "SITE-LOGIN-TYPE-DISABLED",
    "SITE-CERT-NOT-BOUND",       "SITE-SESSION-INVALID",    "SITE-RATE-LIMITED",
    "SITE-INTERNAL",             "SITE-CERT-RENEWED",       "SITE-CERT-REPLACED",
    "SITE-APPLICATION-UNKNOWN", "SITE-ATTACHMENT-INVALID",
};

bool is_wire_code(std::string_view code) {
  return std::find(kWireCodes.begin(), kWireCodes.end(), code) != kWireCodes.end();
}

Error malformed(std::string detail) { return Error{"SITE-ANSWER-MALFORMED", std::move(detail)}; }

// Site text in a one-line detail: bounded, display-safe.
std::string one_line(std::string_view s, size_t max = 200) {
  std::string out = display_safe(s.substr(0, max));
  if (s.size() > max) out += "...";
  return out;
}

// A required string member; nullopt when missing or not a string.
std::optional<std::string> str(const JsonIn& j, const char* key, size_t max = 4096) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) return std::nullopt;
  return s;
}
// A string the site sends for people to read (names, messages, certificate fields):
// display-safe from here on. Protocol values (tbs, nonce, ids) stay as sent: they are
// signed or sent back, never shown.
std::optional<std::string> shown_str(const JsonIn& j, const char* key, size_t max = 4096) {
  auto s = str(j, key, max);
  if (s) *s = display_safe(*s);
  return s;
}
std::string opt_str(const JsonIn& j, const char* key, size_t max = 4096) { return shown_str(j, key, max).value_or(""); }

// The success body: a JSON object, and the status one of `ok_statuses`.
Expected<JsonIn> success_object(long status, std::string_view body, std::initializer_list<long> ok_statuses,
                                SiteFailure* failure) {
  if (status >= 400 && status <= 599) return error_from_answer(status, body, failure);
  if (std::find(ok_statuses.begin(), ok_statuses.end(), status) == ok_statuses.end()) {
    if (failure) failure->http_status = status;
    return Error{"SITE-HTTP-ERROR", "HTTP " + std::to_string(status) + " where the protocol has " +
                                        std::to_string(*ok_statuses.begin())};
  }
  if (body.size() > kMaxAnswerBytes) return Error{"SITE-ANSWER-TOO-LARGE", std::to_string(body.size()) + " bytes"};
  JsonIn j = JsonIn::parse(body, nullptr, false);
  if (j.is_discarded()) return malformed("HTTP " + std::to_string(status) + ": the answer is not JSON");
  if (!j.is_object()) return malformed("HTTP " + std::to_string(status) + ": the answer is not a JSON object");
  return j;
}

std::optional<LoginType> login_type_of(const JsonIn& j) {
  auto s = str(j, "login_type", 32);
  return s ? parse_login_type(*s) : std::nullopt;
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}


Error net_error(const net::HttpResponse& r, const std::string& where) {
  const std::string d = where + ": " + r.error;
  switch (r.failure) {
    case net::HttpFailure::dns: return {"NET-DNS-FAILED", d};
    case net::HttpFailure::refused: return {"NET-REFUSED", d};
    case net::HttpFailure::timeout: return {"NET-TIMEOUT", d};
    case net::HttpFailure::tls_verify: return {"NET-TLS-VERIFY", d};
    case net::HttpFailure::tls_handshake: return {"NET-TLS-HANDSHAKE", d};
    case net::HttpFailure::proxy: return {"NET-PROXY-FAILED", d};
    case net::HttpFailure::too_large: return {"SITE-ANSWER-TOO-LARGE", where + ": more than " + std::to_string(kMaxAnswerBytes) + " bytes"};
    case net::HttpFailure::cancelled: return {"ENGINE-CANCELLED", d};
    default: return {"NET-HTTP-ERROR", d};
  }
}

}  // namespace

std::string_view login_type_name(LoginType t) { return t == LoginType::business ? "business" : "citizen"; }
std::optional<LoginType> parse_login_type(std::string_view name) {
  if (name == "business") return LoginType::business;
  if (name == "citizen") return LoginType::citizen;
  return std::nullopt;
}
std::string_view signing_path_name(SigningPath p) { return p == SigningPath::card ? "card" : "localsign"; }

// ---- parsers --------------------------------------------------------------------------

Error error_from_answer(long status, std::string_view body, SiteFailure* failure) {
  if (failure) *failure = SiteFailure{status, {}, {}, -1, {}};
  const std::string http = "HTTP " + std::to_string(status);
  if (body.size() > kMaxAnswerBytes) return Error{"SITE-ANSWER-TOO-LARGE", http + ": " + std::to_string(body.size()) + " bytes"};
  auto w = parse_error_body(body);
  if (!w) return malformed(http + ": the error answer does not have the protocol's shape");
  if (!is_wire_code(w->code)) return malformed(http + ": unknown error code " + one_line(w->code, 60));
  if (status < 400 || status > 599) return malformed(http + ": an error answer with a success status");
  Error e{w->code, http + (w->message.empty() ? std::string() : ": " + one_line(w->message))};
  if (w->code == "SITE-CODE-WRONG" && w->attempts_left >= 0) e.detail += " (attempts left: " + std::to_string(w->attempts_left) + ")";
  if (failure) {
    failure->code = w->code;
    failure->message = Text{one_line(w->message_zh, 500), one_line(w->message, 500)};
    failure->attempts_left = w->attempts_left;
    if (w->code == "SITE-FORM-INVALID" || w->code == "SITE-ATTACHMENT-INVALID") {
      JsonIn j = JsonIn::parse(body, nullptr, false);
      if (auto f = j.find("fields"); f != j.end() && f->is_array()) {
        for (const auto& item : *f) {
          if (failure->fields.size() >= 100) break;
          if (!item.is_object()) continue;
          auto field = str(item, "field", 100);
          auto code = str(item, "code", 100);
          if (field && code) failure->fields.push_back({*field, *code});
        }
      }
    }
  }
  if (failure && !failure->fields.empty()) {
    e.detail += " [";
    for (size_t i = 0; i < failure->fields.size() && i < 10; ++i)
      e.detail += (i ? ", " : "") + one_line(failure->fields[i].field, 60) + ": " + one_line(failure->fields[i].code, 60);
    e.detail += "]";
  }
  return e;
}

Expected<Company> parse_lookup_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  Company c;
  auto ubn = str(*j, "ubn", 16);
  auto name = shown_str(*j, "name", 1024);
  if (!ubn || !name || name->empty()) return malformed("lookup answer without ubn or name");
  c.ubn = *ubn;
  c.name = *name;
  c.owner = opt_str(*j, "owner", 1024);
  c.address = opt_str(*j, "address", 1024);
  return c;
}

Expected<ApplicationReceipt> parse_apply_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {201, 200}, failure);
  if (!j) return j.error();
  auto a = j->find("application");
  if (a == j->end() || !a->is_object()) return malformed("application answer without \"application\"");
  auto id = shown_str(*a, "id", 64);
  auto st = shown_str(*a, "status", 64);
  if (!id || id->empty() || !st) return malformed("application answer without id or status");
  return ApplicationReceipt{*id, *st};
}

std::string_view application_state_name(ApplicationState s) {
  switch (s) {
    case ApplicationState::approved: return "approved";
    case ApplicationState::rejected: return "rejected";
    default: return "pending";
  }
}

Expected<ApplicationStatus> parse_status_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  auto a = j->find("application");
  if (a == j->end() || !a->is_object()) return malformed("status answer without \"application\"");
  auto id = shown_str(*a, "id", 64);
  auto st = str(*a, "status", 32);
  if (!id || id->empty() || !st) return malformed("status answer without id or status");
  ApplicationStatus out;
  out.id = *id;
  if (*st == "pending") out.state = ApplicationState::pending;
  else if (*st == "approved") out.state = ApplicationState::approved;
  else if (*st == "rejected") out.state = ApplicationState::rejected;
  else return malformed("status answer with an unknown status " + one_line(*st, 32));
  out.received_at = opt_str(*a, "received_at", 64);
  out.updated_at = opt_str(*a, "updated_at", 64);
  out.code_expires_at = opt_str(*a, "code_expires_at", 64);
  if (out.state == ApplicationState::rejected) {
    auto r = a->find("reason");
    if (r == a->end() || !r->is_object()) return malformed("a rejection without a reason");
    auto code = str(*r, "code", 64);
    if (!code || code->empty()) return malformed("a rejection without a reason code");
    out.reason = one_line(*code, 64);
    out.reason_message = Text{opt_str(*r, "message_zh", 1000), opt_str(*r, "message", 1000)};
    out.note = opt_str(*r, "note", 2000);
  }
  return out;
}

std::optional<Error> application_status_error(const ApplicationStatus& s) {
  if (s.state == ApplicationState::approved) return std::nullopt;
  if (s.state == ApplicationState::pending)
    return Error{"SITE-APPLICATION-PENDING", s.id + (s.received_at.empty() ? "" : ", received " + s.received_at)};
  static const std::map<std::string, std::string, std::less<>> kByReason = {
      {"attachment-unreadable", "SITE-APPLICATION-REJECTED-UNREADABLE"},
      {"attachment-missing", "SITE-APPLICATION-REJECTED-MISSING-ATTACHMENT"},
      {"seal-missing", "SITE-APPLICATION-REJECTED-NO-SEAL"},
      {"data-mismatch", "SITE-APPLICATION-REJECTED-DATA-MISMATCH"},
  };
  auto it = kByReason.find(s.reason);
  std::string detail = s.id + ": " + s.reason;
  if (!s.note.empty()) detail += ": " + s.note;
  return Error{it == kByReason.end() ? "SITE-APPLICATION-REJECTED" : it->second, detail};
}

Expected<Challenge> parse_challenge_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  Challenge c;
  auto id = str(*j, "challenge_id", 256);
  auto nonce = str(*j, "nonce", 256);
  auto tbs = str(*j, "tbs", 4096);
  if (!id || id->empty() || !nonce || !tbs) return malformed("challenge answer without challenge_id, nonce or tbs");
  auto e = j->find("expires_in");
  if (e == j->end() || !e->is_number_integer()) return malformed("challenge answer without expires_in");
  const auto expires = e->get<int64_t>();
  if (expires <= 0 || expires > 24 * 3600) return malformed("challenge expires_in out of range");
  c.id = *id;
  c.nonce = *nonce;
  c.tbs = *tbs;
  c.expires_in = static_cast<int>(expires);
  c.expires_at = opt_str(*j, "expires_at", 64);
  auto parsed = parse_tbs(c.tbs);
  if (!parsed) return parsed.error();  // SITE-CHALLENGE-UNEXPECTED: nothing is signed
  c.parsed = *parsed;
  return c;
}

Expected<BindResult> parse_bind_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  auto bound = j->find("bound");
  if (bound == j->end() || !bound->is_boolean() || !bound->get<bool>()) return malformed("bind answer without \"bound\": true");
  auto type = login_type_of(*j);
  if (!type) return malformed("bind answer without a known login_type");
  BindResult r;
  r.login_type = *type;
  r.message = Text{opt_str(*j, "message", 500), opt_str(*j, "message_en", 500)};
  if (auto c = j->find("certificate"); c != j->end()) {
    if (!c->is_object()) return malformed("bind answer's certificate is not an object");
    r.certificate = {opt_str(*c, "subject", 2048), opt_str(*c, "issuer", 2048), opt_str(*c, "serial", 256),
                     opt_str(*c, "fingerprint_sha256", 128)};
    if (!r.certificate.serial.empty() && !is_hex(r.certificate.serial)) return malformed("certificate serial is not hex");
    if (!r.certificate.fingerprint_sha256.empty() &&
        (r.certificate.fingerprint_sha256.size() != 64 || !is_hex(r.certificate.fingerprint_sha256)))
      return malformed("certificate fingerprint is not 64 hex digits");
  }
  return r;
}

namespace {
bool read_account(const JsonIn& j, SessionInfo& s) {
  auto a = j.find("account");
  if (a == j.end() || !a->is_object()) return false;
  auto ubn = str(*a, "ubn", 16);
  if (!ubn) return false;
  s.ubn = *ubn;
  s.company_name = opt_str(*a, "company_name", 1024);
  return true;
}
}  // namespace

Expected<SessionInfo> parse_login_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  SessionInfo s;
  auto sess = j->find("session");
  if (sess == j->end() || !sess->is_object()) return malformed("login answer without \"session\"");
  auto token = str(*sess, "token", 1024);
  if (!token || token->empty()) return malformed("login answer without a session token");
  s.token = *token;
  if (auto e = sess->find("expires_in"); e != sess->end() && e->is_number_integer())
    s.expires_in = static_cast<int>(std::clamp<int64_t>(e->get<int64_t>(), 0, 7 * 24 * 3600));
  if (!read_account(*j, s)) return malformed("login answer without an account");
  auto type = login_type_of(*j);
  if (!type) return malformed("login answer without a known login_type");
  s.login_type = *type;
  return s;
}

Expected<SessionInfo> parse_session_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  SessionInfo s;
  if (!read_account(*j, s)) return malformed("session answer without an account");
  auto type = login_type_of(*j);
  if (!type) return malformed("session answer without a known login_type");
  s.login_type = *type;
  return s;
}

Expected<bool> parse_logout_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  auto l = j->find("logged_out");
  if (l == j->end() || !l->is_boolean() || !l->get<bool>()) return malformed("logout answer without \"logged_out\": true");
  return true;
}

Expected<Tbs> check_challenge(const Challenge& c, const ChallengeExpectation& x) {
  auto t = parse_tbs(c.tbs);
  if (!t) return t.error();
  auto wrong = [](std::string what) { return Error{"SITE-CHALLENGE-UNEXPECTED", std::move(what)}; };
  if (t->purpose != x.purpose)
    return wrong("asked for a " + std::string(purpose_name(x.purpose)) + " challenge, got one for " +
                 std::string(purpose_name(t->purpose)));
  if (t->site != x.site) return wrong("the challenge names site \"" + one_line(t->site, 100) + "\", not " + x.site);
  if (t->nonce != c.nonce) return wrong("the text to sign carries another nonce than the answer");
  if (x.purpose == Purpose::bind) {
    if (t->ubn != x.ubn) return wrong("the challenge names UBN " + one_line(t->ubn, 20) + ", not " + x.ubn);
    if (t->control_no != x.control_no)
      return wrong("the challenge names control number \"" + one_line(t->control_no, 20) + "\", not \"" + x.control_no + "\"");
  }
  return *t;
}

// ---- client -----------------------------------------------------------------------------

struct SiteClient::Answer {
  long status = 0;
  std::string body;
};

SiteClient::SiteClient(SiteProfile profile, SiteClientOptions options)
    : profile_(std::move(profile)), options_(std::move(options)) {
  std::vector<std::string> files = profile_.tls_ca_files;
  files.insert(files.end(), options_.extra_ca_files.begin(), options_.extra_ca_files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in || ss.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      ca_error_ = Error{"SITE-PROFILE-MALFORMED", "TLS CA file unreadable or not PEM: " + f};
      break;
    }
    ca_pem_ += ss.str();
    ca_pem_ += '\n';
  }
}

SiteClient::~SiteClient() {
  for (auto& [name, value] : cookies_) wipe(value);
}

std::string SiteClient::origin() const {
  std::string o = profile_.base_url;
  while (!o.empty() && o.back() == '/') o.pop_back();
  return o;
}

std::string SiteClient::endpoint_url(const std::string& endpoint, std::string_view query) const {
  std::string url = profile_.url(endpoint);
  if (!query.empty()) url += (url.find('?') == std::string::npos ? "?" : "&") + std::string(query);
  return url;
}

std::optional<std::string> SiteClient::cookie(const std::string& name) const {
  auto it = cookies_.find(name);
  if (it == cookies_.end()) return std::nullopt;
  return it->second;
}

void SiteClient::take_cookies(const std::vector<std::string>& set_cookie) {
  for (const auto& line : set_cookie) {
    std::string_view v = line;
    const auto semi = v.find(';');
    std::string_view pair = v.substr(0, semi);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string name(pair.substr(0, eq));
    std::string value(pair.substr(eq + 1));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    if (name.size() > 64 || value.size() > 4096) continue;
    if (value.find_first_of(" ;,\"\\\r\n") != std::string::npos) continue;
    std::string attrs = semi == std::string_view::npos ? std::string() : std::string(v.substr(semi));
    std::transform(attrs.begin(), attrs.end(), attrs.begin(), [](unsigned char c) { return std::tolower(c); });
    attrs.erase(std::remove(attrs.begin(), attrs.end(), ' '), attrs.end());
    const bool expire = value.empty() || attrs.find(";max-age=0") != std::string::npos ||
                        attrs.find(";max-age=-") != std::string::npos;
    if (expire) {
      if (auto it = cookies_.find(name); it != cookies_.end()) {
        wipe(it->second);
        cookies_.erase(it);
      }
      continue;
    }
    if (cookies_.size() >= 32 && !cookies_.count(name)) continue;
    cookies_[name] = std::move(value);
  }
}

Expected<SiteClient::Answer> SiteClient::request(const std::string& method, const std::string& endpoint,
                                                 std::string_view query, std::string_view body,
                                                 std::span<const net::HttpPart> parts) {
  last_failure_.reset();
  if (ca_error_) return *ca_error_;
  auto ep = profile_.endpoints.find(endpoint);
  if (ep == profile_.endpoints.end() || ep->second.empty())
    return Error{"SITE-NOT-CONFIGURED", "the site profile has no \"" + endpoint + "\" endpoint"};
  if (profile_.base_url.rfind("https://", 0) != 0)
    return Error{"SITE-PROFILE-MALFORMED", "base_url must be https:// (the site's cookies are Secure)"};
  if (options_.cancel && options_.cancel->cancelled()) return Error{"ENGINE-CANCELLED", endpoint};
  // The site refuses larger bodies (413); say so without sending it.
  if (body.size() > kMaxBodyBytes)
    return Error{"SITE-BODY-TOO-LARGE", endpoint + ": request of " + std::to_string(body.size()) + " bytes not sent"};
  net::HttpRequest req;
  req.method = method;
  req.url = endpoint_url(endpoint, query);
  req.headers = {"Accept: application/json"};
  // A multipart body gets its Content-Type (with the boundary) from curl.
  if (method == "POST" && parts.empty()) req.headers.push_back("Content-Type: application/json");
  if (!cookies_.empty()) {
    std::string c = "Cookie: ";
    bool first = true;
    for (const auto& [name, value] : cookies_) {
      if (!first) c += "; ";
      c += name + "=" + value;
      first = false;
    }
    req.headers.push_back(std::move(c));
  }
  // No "Expect: 100-continue" round trip for small bodies.
  req.headers.push_back("Expect:");
  req.body = body;
  req.parts.assign(parts.begin(), parts.end());
  req.connect_timeout = options_.connect_timeout;
  req.timeout = options_.timeout;
  req.proxy = options_.proxy;
  req.ca_pem = ca_pem_;
  req.max_body = kMaxAnswerBytes;
  if (options_.cancel) req.cancel = &*options_.cancel;
  auto resp = net::http_request(req);
  for (auto& h : req.headers)
    if (h.rfind("Cookie: ", 0) == 0) wipe(h);
  if (!resp.ok()) {
    last_failure_ = SiteFailure{};
    last_failure_->code = net_error(resp, endpoint).code;
    return net_error(resp, endpoint + " (" + req.url + ")");
  }
  take_cookies(resp.set_cookies);
  return Answer{resp.status, std::move(resp.body)};
}

namespace {
template <typename T>
Expected<T> remember(Expected<T> r, const SiteFailure& f, std::optional<SiteFailure>& last) {
  if (!r) {
    SiteFailure copy = f;
    copy.code = r.error().code;
    last = std::move(copy);
  }
  return r;
}
}  // namespace

Expected<Company> SiteClient::lookup(const std::string& ubn) {
  if (ubn.size() != 8 || !std::all_of(ubn.begin(), ubn.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Error{"SITE-UBN-INVALID", "the UBN must be 8 digits"};
  auto a = request("GET", "lookup", "ubn=" + ubn, {});
  if (!a) return a.error();
  SiteFailure f;
  auto c = remember(parse_lookup_answer(a->status, a->body, &f), f, last_failure_);
  if (c && c->ubn != ubn) return malformed("lookup for " + ubn + " answered UBN " + one_line(c->ubn, 20));
  return c;
}

std::string application_body(const form::ValidatedForm& v, const Secret& password) {
  auto addr = [](const form::PrintedAddress& a) {
    return Json{{"county", a.county}, {"district", a.district}, {"street", a.street}, {"zip", a.zip}};
  };
  Json j;
  j["ubn"] = v.ubn;
  j["control_no"] = v.control_no;
  j["company_name"] = v.company_name;
  j["owner_name"] = v.owner_name;
  j["owner_id"] = v.owner_id;
  j["reg_address"] = addr(v.reg_address);
  j["mail_address"] = addr(v.mail_address);
  j["contact_name"] = v.contact_name;
  j["phone1"] = v.phone1;
  j["phone1_ext"] = v.phone1_ext;
  j["phone2"] = v.phone2;
  j["fax"] = v.fax;
  j["email"] = v.email;
  j["citizen_cert_login"] = v.citizen_cert_login ? "enable" : "disable";
  j["business_cert_login"] = v.business_cert_login ? "enable" : "disable";
  std::string head = j.dump();
  head.pop_back();  // reopen the object for the password
  std::string body;
  body.reserve(head.size() + 16 + 6 * password.size());  // no reallocation leaves a copy
  body = head;
  body += ",\"password\":";
  append_json_string(body, password.reveal());
  body += '}';
  return body;
}

Expected<ApplicationReceipt> SiteClient::apply(const form::ValidatedForm& form, const Secret& password) {
  std::string body = application_body(form, password);
  auto a = request("POST", "apply", {}, body);
  wipe(body);
  if (!a) return a.error();
  SiteFailure f;
  return remember(parse_apply_answer(a->status, a->body, &f), f, last_failure_);
}

Expected<ApplicationStatus> SiteClient::application_status(const std::string& id, const std::string& ubn) {
  // Both go into the query: only letters, digits and '-' (no escaping needed, nothing injected).
  auto plain = [](const std::string& v, size_t max) {
    return !v.empty() && v.size() <= max &&
           std::all_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
  };
  if (!plain(id, 32)) return Error{"SITE-APPLICATION-UNKNOWN", "not an application number: " + one_line(id, 40)};
  if (!plain(ubn, 8)) return Error{"SITE-UBN-INVALID", "the UBN must be 8 digits"};
  auto a = request("GET", "status", "id=" + id + "&ubn=" + ubn, {});
  if (!a) return a.error();
  SiteFailure f;
  auto st = remember(parse_status_answer(a->status, a->body, &f), f, last_failure_);
  if (st && st->id != id) return malformed("status for " + id + " answered " + one_line(st->id, 40));
  return st;
}

Expected<ApplicationReceipt> SiteClient::apply(const form::ValidatedForm& form, const Secret& password,
                                              std::span<const form::AttachmentUpload> attachments) {
  if (attachments.empty()) return apply(form, password);
  std::string body = application_body(form, password);
  // The form part obeys the same limit as a JSON body (the attachments have their own).
  if (body.size() > kMaxBodyBytes) {
    wipe(body);
    return Error{"SITE-BODY-TOO-LARGE", "apply: form of " + std::to_string(body.size()) + " bytes not sent"};
  }
  std::vector<net::HttpPart> parts;
  parts.push_back(net::HttpPart{"application", body, {}, "application/json"});
  for (const auto& a : attachments) parts.push_back(net::HttpPart{"attachment", a.bytes, a.file_name, a.content_type});
  auto a = request("POST", "apply", {}, {}, parts);
  wipe(body);
  if (!a) return a.error();
  SiteFailure f;
  return remember(parse_apply_answer(a->status, a->body, &f), f, last_failure_);
}

Expected<Challenge> SiteClient::challenge(Purpose purpose, const std::string& ubn, const std::string& control_no) {
  Json req{{"purpose", std::string(purpose_name(purpose))}};
  if (purpose == Purpose::bind) {
    req["ubn"] = ubn;
    req["control_no"] = control_no;
  }
  auto a = request("POST", "challenge", {}, req.dump());
  if (!a) return a.error();
  SiteFailure f;
  auto c = remember(parse_challenge_answer(a->status, a->body, &f), f, last_failure_);
  if (!c) return c;
  auto checked = check_challenge(*c, ChallengeExpectation{purpose, profile_.host(), ubn, control_no});
  if (!checked) return checked.error();
  return c;
}

Expected<BindResult> SiteClient::bind(const Challenge& c, const BindFields& fields, std::span<const uint8_t> cms) {
  Json req{{"challenge_id", c.id},
           {"ubn", fields.ubn},
           {"control_no", fields.control_no},
           {"verification_code", fields.verification_code},
           {"login_type", std::string(login_type_name(fields.login_type))},
           {"signature", pkcs11::wire::base64_encode(cms)}};
  auto a = request("POST", "bind", {}, req.dump());
  if (!a) return a.error();
  SiteFailure f;
  return remember(parse_bind_answer(a->status, a->body, &f), f, last_failure_);
}

Expected<SessionInfo> SiteClient::login(const Challenge& c, std::span<const uint8_t> cms) {
  Json req{{"challenge_id", c.id}, {"signature", pkcs11::wire::base64_encode(cms)}};
  auto a = request("POST", "login", {}, req.dump());
  if (!a) return a.error();
  SiteFailure f;
  auto s = remember(parse_login_answer(a->status, a->body, &f), f, last_failure_);
  // Keep the token even when the site set no cookie (the protocol allows a bearer token).
  if (s && !cookies_.count("certwiz_session")) cookies_["certwiz_session"] = s->token;
  return s;
}

Expected<SessionInfo> SiteClient::session() {
  auto a = request("GET", "session", {}, {});
  if (!a) return a.error();
  SiteFailure f;
  auto s = remember(parse_session_answer(a->status, a->body, &f), f, last_failure_);
  if (s) s->token = cookie("certwiz_session").value_or("");
  return s;
}

Expected<bool> SiteClient::logout() {
  auto a = request("POST", "logout", {}, "{}");
  if (!a) return a.error();
  SiteFailure f;
  auto r = remember(parse_logout_answer(a->status, a->body, &f), f, last_failure_);
  if (r) {
    if (auto it = cookies_.find("certwiz_session"); it != cookies_.end()) {
      wipe(it->second);
      cookies_.erase(it);
    }
  }
  return r;
}

// ---- card signer --------------------------------------------------------------------------

struct CardSigner::State {
  CardSignerOptions options;
  std::shared_ptr<const Secret> pin;
  std::mutex m;
  std::shared_ptr<pkcs11::ModuleHost> host;
  std::unique_ptr<pkcs11::Session> session;
  std::optional<Error> login_error;  // sticky: a failed login is never retried
  bool pin_rejected = false;
  Json evidence = Json::object();
  std::optional<int> tries_left;
};

CardSigner::CardSigner(CardSignerOptions options, std::shared_ptr<const Secret> pin) : s_(std::make_unique<State>()) {
  s_->options = std::move(options);
  s_->pin = std::move(pin);
}

CardSigner::~CardSigner() {
  if (s_->session) s_->session->close();
  s_->session.reset();
  if (s_->host) s_->host->shutdown();
}

bool CardSigner::pin_rejected() const {
  std::lock_guard g(s_->m);
  return s_->pin_rejected;
}
Json CardSigner::pin_evidence() const {
  std::lock_guard g(s_->m);
  return s_->evidence;
}
std::optional<int> CardSigner::tries_left() const {
  std::lock_guard g(s_->m);
  return s_->tries_left;
}

Expected<std::vector<uint8_t>> CardSigner::sign(const Challenge& c) {
  std::lock_guard g(s_->m);
  if (s_->login_error) return *s_->login_error;
  if (!s_->session || !s_->session->logged_in()) {
    if (!s_->pin || s_->pin->empty()) return Error{"LOCALSIGN-NO-PIN", "no PIN given for the card path"};
    if (s_->options.module.empty()) {
      // As diagnose finds it: HiCOS's install paths, HiCOS registered with p11-kit.
      const auto candidates = pkcs11::discover_modules(RunOptions{});
      if (const auto* found = pkcs11::preferred_module(candidates)) s_->options.module = found->path;
    }
    if (s_->options.module.empty())
      return Error{"P11-NO-MODULE", "no PKCS#11 module given (--module or CERTWIZ_PKCS11_MODULE) nor found"};
    auto host = pkcs11::ModuleHost::start(s_->options.module, s_->options.call_timeout);
    if (!host) return host.error();
    s_->host = *host;
    auto inv = pkcs11::collect_inventory(s_->host);
    if (!inv) return inv.error();
    auto token = pkcs11::choose_token(*inv, s_->options.reader);
    if (!token) return token.error();
    auto session = pkcs11::Session::open(s_->host, token->value("slot_id", 0UL));
    if (!session) return session.error();
    s_->session = std::move(*session);
    pkcs11::PinGuard guard(*s_->session, s_->options.confirm_final_try);
    pkcs11::PinAttempt attempt = guard.login(*s_->pin);
    s_->evidence = attempt.evidence;
    s_->tries_left = attempt.tries_left;
    if (!attempt.logged_in) {
      s_->pin_rejected = attempt.login_sent;
      s_->login_error = attempt.error.value_or(Error{"P11-PIN-WRONG", "C_Login failed"});
      return *s_->login_error;
    }
  }
  return pkcs11::sign_cms(*s_->session, c.tbs, c.nonce, false);
}

// ---- local signing component signer ----------------------------------------------------

LocalSignSigner::LocalSignSigner(LocalSignSignerOptions options, std::shared_ptr<const Secret> pin)
    : options_(std::move(options)), pin_(std::move(pin)) {}

std::optional<Error> LocalSignSigner::check_pin_state() {
  // The component spends a PIN try without asking: read the card's state first.
  pkcs11::PinStateQuery q;
  q.options.pkcs11_module = options_.pin_state_module;
  q.reader = options_.pin_state_reader;
  q.timeout = options_.pin_state_timeout;
  // Which module the component loaded is a hint for finding the same one (its answer
  // carries no PIN state itself). No answer: the sign request will say why.
  q.component_library_description = [this] {
    auto info = localsign::Client(options_.url, std::min(options_.timeout, options_.pin_state_timeout)).pkcs11info(false);
    return info ? info->library_description : std::string();
  };
  auto state = pkcs11::read_pin_state(q);
  if (!state) {
    pin_state_evidence_ = Json{{"unknown", state.error().code}, {"detail", state.error().detail}};
    if (!options_.confirm_final_try)
      return Error{"SITE-PIN-STATE-UNKNOWN", state.error().code + ": " + state.error().detail +
                                                 "; the PIN was not sent to the component"};
    return std::nullopt;  // the user accepted that this try may be the last
  }
  pin_state_evidence_ = Json{{"module", state->module}, {"source", state->source}, {"reader", state->reader},
                             {"tries_left", state->tries_left ? Json(*state->tries_left) : Json(nullptr)}};
  if (state->locked) return Error{"P11-PIN-LOCKED", "the card's PIN is locked; nothing sent to the component"};
  if (state->final_try && !options_.confirm_final_try)
    return Error{"P11-PIN-FINAL-TRY-REFUSED", "final PIN try not confirmed; nothing sent to the component"};
  return std::nullopt;
}

Expected<std::vector<uint8_t>> LocalSignSigner::sign(const Challenge& c) {
  if (pin_rejected_) return Error{"LOCALSIGN-LOGIN-FAILED", "the card refused this PIN before; not offered again"};
  if (!pin_ || pin_->empty()) return Error{"LOCALSIGN-NO-PIN", "no PIN given for the local signing component"};
  if (!pin_state_checked_) {
    if (auto refused = check_pin_state()) return *refused;
    pin_state_checked_ = true;
  }
  localsign::Client client(options_.url, options_.timeout);
  localsign::SignRequest req;
  req.tbs = c.tbs;
  req.nonce = c.nonce;
  req.slot_description = options_.slot_description;
  req.signature_type = "PKCS7";
  req.pin = pin_.get();
  req.origin = options_.origin;
  auto r = client.sign(req);
  if (!r) return r.error();
  last_ret_code_ = r->ret_code;
  if (r->ret_code != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", r->ret_code);
    std::string detail = std::string("ret_code ") + hex;
    const auto* info = localsign::describe_ret_code(r->ret_code);
    std::string code = info && !info->failure_code.empty() ? std::string(info->failure_code) : "LOCALSIGN-UNKNOWN-RET-CODE";
    if (info) detail += " (" + std::string(info->name) + ")";
    if (code == "LOCALSIGN-LOGIN-FAILED") {
      pin_rejected_ = true;
      if (auto le = localsign::describe_last_error(r->last_error)) detail += "; " + le->meaning.en;
    }
    return Error{code, detail};
  }
  auto der = pkcs11::wire::base64_decode(r->signature_b64);
  if (!der || der->empty()) return Error{"LOCALSIGN-MALFORMED", "the signature is not base64"};
  return *der;
}

// ---- flows ------------------------------------------------------------------------------

Expected<BindResult> bind_with(SiteClient& client, ChallengeSigner& signer, const SiteClient::BindFields& fields) {
  auto c = client.challenge(Purpose::bind, fields.ubn, fields.control_no);
  if (!c) return c.error();
  auto cms = signer.sign(*c);
  if (!cms) return cms.error();
  return client.bind(*c, fields, *cms);
}

Expected<SessionInfo> login_with(SiteClient& client, ChallengeSigner& signer) {
  auto c = client.challenge(Purpose::login);
  if (!c) return c.error();
  auto cms = signer.sign(*c);
  if (!cms) return cms.error();
  return client.login(*c, *cms);
}

std::optional<Error> paths_verdict(const std::vector<PathOutcome>& paths) {
  const PathOutcome* card = nullptr;
  const PathOutcome* ls = nullptr;
  for (const auto& p : paths) (p.path == SigningPath::card ? card : ls) = &p;
  auto failed = [](const PathOutcome* p) { return p && p->attempted && !p->ok; };
  auto worked = [](const PathOutcome* p) { return p && p->attempted && p->ok; };
  auto code_of = [](const PathOutcome* p) { return p->error ? p->error->code : std::string("?"); };
  auto detail_of = [](const PathOutcome* p) {
    return p->error ? p->error->code + (p->error->detail.empty() ? "" : ": " + p->error->detail) : std::string();
  };
  if (worked(card) && failed(ls)) return Error{"SITE-BROWSER-PATH-FAILS", "local signing component: " + detail_of(ls)};
  if (failed(card) && worked(ls)) return Error{"SITE-CARD-PATH-FAILS", "card (PKCS#11): " + detail_of(card)};
  std::vector<const PathOutcome*> bad;
  bool any_attempted = false;
  for (const auto& p : paths) {
    if (p.attempted) any_attempted = true;
    if (!p.ok) bad.push_back(&p);
  }
  if (bad.empty()) return std::nullopt;
  if (!any_attempted) return bad.front()->error.value_or(Error{"SITE-NO-SIGNING-PATH", "no signing path ran"});
  // One path, or every path failing the same way: that failure is the verdict.
  std::vector<const PathOutcome*> attempted_bad;
  for (const auto* p : bad)
    if (p->attempted) attempted_bad.push_back(p);
  const bool same = std::all_of(attempted_bad.begin(), attempted_bad.end(),
                                [&](const PathOutcome* p) { return code_of(p) == code_of(attempted_bad.front()); });
  if (attempted_bad.size() == bad.size() && same) return attempted_bad.front()->error;
  if (attempted_bad.size() == 1 && !worked(card) && !worked(ls)) return attempted_bad.front()->error;
  std::string d;
  for (const auto* p : bad) d += (d.empty() ? "" : "; ") + std::string(signing_path_name(p->path)) + ": " + detail_of(p);
  return Error{"SITE-NO-SIGNING-PATH", d};
}

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool skip_for_pin(const std::vector<ChallengeSigner*>& signers, size_t upto, PathOutcome& o) {
  for (size_t i = 0; i < upto; ++i) {
    if (signers[i]->pin_rejected()) {
      o.error = Error{"P11-PIN-WRONG", "skipped: the card refused the PIN on the " +
                                           std::string(signing_path_name(signers[i]->path())) +
                                           " path, and offering it again would spend another try"};
      return true;
    }
  }
  return false;
}

// Bind failures about the account or the verification code, not the signature: another
// path would fail the same way, and a wrong code would spend another of its attempts.
bool account_failure(const std::optional<Error>& e) {
  static constexpr std::string_view kCodes[] = {"SITE-CODE-WRONG", "SITE-CODE-LOCKED", "SITE-CODE-EXPIRED",
                                                "SITE-ACCOUNT-UNKNOWN", "SITE-CONTROL-NO-MISMATCH",
                                                "SITE-RATE-LIMITED"};
  return e && std::find(std::begin(kCodes), std::end(kCodes), e->code) != std::end(kCodes);
}

}  // namespace

PathsReport bind_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                       const std::vector<ChallengeSigner*>& signers, const SiteClient::BindFields& fields,
                       const FlowOptions& flow) {
  PathsReport report;
  SiteClientOptions co = client_options;
  if (flow.cancel) co.cancel = flow.cancel;
  for (size_t i = 0; i < signers.size(); ++i) {
    PathOutcome o;
    o.path = signers[i]->path();
    const PathOutcome* account_problem = nullptr;
    for (const auto& earlier : report.paths)
      if (earlier.attempted && account_failure(earlier.error)) account_problem = &earlier;
    if (flow.cancel && flow.cancel->cancelled()) {
      o.error = Error{"ENGINE-CANCELLED", "skipped"};
    } else if (account_problem) {
      o.error = Error{account_problem->error->code, "skipped: the site refused the account or code on the " +
                                                        std::string(signing_path_name(account_problem->path)) + " path"};
    } else if (!skip_for_pin(signers, i, o)) {
      o.attempted = true;
      const auto t0 = Clock::now();
      SiteClient client(profile, co);
      auto r = bind_with(client, *signers[i], fields);
      o.ms = ms_since(t0);
      if (r) {
        o.ok = true;
        o.bound = *r;
      } else {
        o.error = r.error();
      }
    }
    if (flow.on_path) flow.on_path(o);
    report.paths.push_back(std::move(o));
  }
  report.verdict = paths_verdict(report.paths);
  return report;
}

PathsReport login_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                        const std::vector<ChallengeSigner*>& signers, const FlowOptions& flow) {
  PathsReport report;
  SiteClientOptions co = client_options;
  if (flow.cancel) co.cancel = flow.cancel;
  for (size_t i = 0; i < signers.size(); ++i) {
    PathOutcome o;
    o.path = signers[i]->path();
    if (flow.cancel && flow.cancel->cancelled()) {
      o.error = Error{"ENGINE-CANCELLED", "skipped"};
    } else if (!skip_for_pin(signers, i, o)) {
      o.attempted = true;
      const auto t0 = Clock::now();
      SiteClient client(profile, co);
      auto s = login_with(client, *signers[i]);
      if (!s) {
        o.error = s.error();
      } else {
        o.session = *s;
        o.session->token.clear();  // the outcome is shown and saved: no live token in it
        auto who = client.session();
        if (!who) {
          o.error = who.error();
        } else if (who->ubn != s->ubn) {
          o.error = Error{"SITE-ANSWER-MALFORMED", "the session belongs to another account than the login"};
        } else {
          o.session_checked = true;
          auto out = client.logout();
          if (!out) {
            o.error = out.error();
          } else {
            o.logged_out = true;
            // After logout the session must be dead.
            auto after = client.session();
            if (after) o.error = Error{"SITE-SESSION-INVALID", "the session still works after logout"};
            else if (after.error().code != "SITE-SESSION-INVALID") o.error = after.error();
            else o.ok = true;
          }
        }
      }
      o.ms = ms_since(t0);
    }
    if (flow.on_path) flow.on_path(o);
    report.paths.push_back(std::move(o));
  }
  report.verdict = paths_verdict(report.paths);
  return report;
}

// ---- form integration ----------------------------------------------------------------------

Expected<form::CompanyRecord> SiteCompanyLookup::find(const std::string& ubn) {
  auto c = client_.lookup(ubn);
  if (!c) {
    if (c.error().code == "SITE-COMPANY-NOT-FOUND") return Error{"FORM-LOOKUP-NOT-FOUND", c.error().detail};
    return c.error();
  }
  return form::CompanyRecord{c->name, c->owner, c->address};
}

Expected<form::SubmissionReceipt> SiteApplicationSubmitter::submit(const form::ValidatedForm& form, const Secret& password,
                                                                  std::span<const form::AttachmentUpload> attachments) {
  auto r = client_->apply(form, password, attachments);
  if (!r) return r.error();
  form::SubmissionReceipt receipt;
  receipt.reference = r->id;
  receipt.message = Text{"申請已送出，申請編號 " + r->id + "（狀態：" + r->status + "）。網站核准後會通知驗證碼，用於啟用憑證登入。",
                         "Application sent: number " + r->id + " (status: " + r->status +
                             "). After approval the site sends a verification code for enabling certificate login."};
  return receipt;
}

Expected<SiteProfile> load_client_profile(const std::string& path_or_name) {
  if (!path_or_name.empty()) return load_site_profile(path_or_name);
  if (const char* lab = std::getenv("CERTWIZ_LAB_SITE_PROFILE"); lab && *lab) return load_site_profile(lab);
  return load_site_profile("default");
}

}  // namespace certwiz::site

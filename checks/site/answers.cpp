#include "checks/site/answers.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>

#include <nlohmann/json.hpp>

#include "checks/core/display_safe.h"

namespace certwiz::site {

Error malformed_answer(std::string detail) { return Error{"SITE-ANSWER-MALFORMED", std::move(detail)}; }

std::string one_line(std::string_view s, size_t max) {
  std::string out = display_safe(s.substr(0, max));
  if (s.size() > max) out += "...";
  return out;
}

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

Error malformed(std::string detail) { return malformed_answer(std::move(detail)); }

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

}  // namespace

std::string_view login_type_name(LoginType t) { return t == LoginType::business ? "business" : "citizen"; }
std::optional<LoginType> parse_login_type(std::string_view name) {
  if (name == "business") return LoginType::business;
  if (name == "citizen") return LoginType::citizen;
  return std::nullopt;
}

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
// The account and login type of a login or session answer (`what`: "login", "session").
std::optional<Error> read_account(const JsonIn& j, SessionInfo& s, const std::string& what) {
  auto a = j.find("account");
  auto ubn = a == j.end() || !a->is_object() ? std::nullopt : str(*a, "ubn", 16);
  if (!ubn) return malformed(what + " answer without an account");
  s.ubn = *ubn;
  s.company_name = opt_str(*a, "company_name", 1024);
  auto type = login_type_of(j);
  if (!type) return malformed(what + " answer without a known login_type");
  s.login_type = *type;
  return std::nullopt;
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
  if (auto e = read_account(*j, s, "login")) return *e;
  return s;
}

Expected<SessionInfo> parse_session_answer(long status, std::string_view body, SiteFailure* failure) {
  auto j = success_object(status, body, {200}, failure);
  if (!j) return j.error();
  SessionInfo s;
  if (auto e = read_account(*j, s, "session")) return *e;
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

}  // namespace certwiz::site

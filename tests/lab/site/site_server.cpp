#include "tests/lab/site/site_server.h"

#include <httplib.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "tests/lab/site/application.h"
#include "tests/lab/site/attachments.h"
#include "tests/lab/site/cms_check.h"
#include "tests/lab/site/password_hash.h"
#include "tests/lab/site/rate_limiter.h"
#include "tests/lab/site/requests.h"
#include "tests/lab/site/site_store.h"

namespace certwiz::site_server {
namespace {

using nlohmann::json;

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json account_json(const Account& a) {
  return {{"ubn", a.ubn}, {"company_name", a.company_name}, {"control_no", a.control_no}};
}

// Every answer carries Date, as real web servers' answers do (RFC 9110 §6.6.1): CertWiz compares
// it with the computer's clock. IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
void stamp_date(httplib::Response& res) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[40];
  std::snprintf(date, sizeof date, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  res.set_header("Date", date);
}

constexpr const char* kClientCookie = "certwiz_client";
constexpr const char* kSessionCookie = "certwiz_session";

// A failure answered to the client; anything else thrown is SITE-INTERNAL.
struct Reject {
  WireFailure failure;
};

}  // namespace

std::map<std::string, std::string> default_endpoints() {
  return {{"lookup", "/api/certwiz/v1/company"}, {"apply", "/api/certwiz/v1/application"},
          {"challenge", "/api/certwiz/v1/challenge"}, {"bind", "/api/certwiz/v1/bind"},
          {"login", "/api/certwiz/v1/login"},       {"logout", "/api/certwiz/v1/logout"},
          {"session", "/api/certwiz/v1/session"},   {"status", "/api/certwiz/v1/application/status"}};
}

struct SiteServer::Impl {
  SiteConfig cfg;
  httplib::SSLServer http;
  DatabasePool pool;
  LoginVerifier verifier;
  RateLimiter limiter;
  std::atomic<int64_t> last_prune{0};
  std::atomic<uint64_t> captured{0};

  explicit Impl(SiteConfig c)
      : cfg(std::move(c)),
        http(cfg.cert_file.c_str(), cfg.key_file.c_str()),
        pool(cfg.db_path, static_cast<size_t>(cfg.threads)),
        verifier(cfg.verifier),
        limiter(cfg.rate_limit_per_minute) {
    if (!http.is_valid()) throw std::runtime_error("cannot load the TLS certificate " + cfg.cert_file + " / key " + cfg.key_file);
    {
      Database db(cfg.db_path);
      migrate(db, site_migrations());
      ensure_attachment_table(db);
    }
    auto eps = default_endpoints();
    for (const auto& [k, v] : cfg.endpoints)
      if (!v.empty()) eps[k] = v;
    cfg.endpoints = eps;
    routes();
  }

  static std::string client_of(const httplib::Request& req) {
    std::string c = cookie_value(req.get_header_value("Cookie"), kClientCookie);
    return well_formed_token(c) ? c : std::string();
  }

  static void send(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json; charset=utf-8");
  }

  static void send_failure(httplib::Response& res, const WireFailure& f) {
    json body = json::parse(error_body(f.code, f.attempts_left));
    if (f.extra.is_object())
      for (const auto& [k, v] : f.extra.items()) body[k] = v;
    send(res, f.status, body);
  }

  // Every endpoint: rate limit, then the handler; a Reject is the answer, anything
  // else thrown is SITE-INTERNAL (logged, never shown).
  template <typename F>
  httplib::Server::Handler wrap(const char* name, F handler) {
    return [this, name, handler](const httplib::Request& req, httplib::Response& res) {
      std::string detail;
      const std::string client = client_of(req);
      try {
        // By the address the request came from: the client cookie is the client's to
        // choose, and a new one per request would escape any limit keyed on it.
        if (!limiter.allow("addr:" + req.remote_addr)) throw Reject{wire("SITE-RATE-LIMITED", "rate limit")};
        // httplib's own limit admits an application with its attachments; every other
        // request keeps the 64 KiB limit of the protocol.
        if (std::string_view(name) != "apply" && request_bytes(req) > kMaxBodyBytes)
          throw Reject{wire("SITE-BODY-TOO-LARGE", std::to_string(request_bytes(req)) + " bytes")};
        handler(req, res, client);
      } catch (const Reject& r) {
        detail = r.failure.code + " " + r.failure.detail;
        send_failure(res, r.failure);
      } catch (const std::exception& e) {
        detail = std::string("SITE-INTERNAL ") + e.what();
        send_failure(res, wire("SITE-INTERNAL"));
      }
      std::fprintf(stderr, "%s %s %s %s %d %s\n", utc_text(now_s()).c_str(), req.remote_addr.c_str(), name,
                   req.path.c_str(), res.status, detail.c_str());
    };
  }

  void routes() {
    http.set_payload_max_length(kMaxApplyRequestBytes);
    http.set_keep_alive_max_count(1000);
    // httplib writes headers and body separately: with Nagle on, the body waits for the
    // client's delayed ACK (40 ms per answer on Linux loopback).
    http.set_tcp_nodelay(true);
    const size_t threads = static_cast<size_t>(cfg.threads);
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) { stamp_date(res); });
    // Answers httplib makes itself (413 for a body over the limit, 400 for a broken
    // request, 404 for an unknown path) still get the protocol's error shape, and a Date.
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      stamp_date(res);
      if (!res.body.empty()) return;
      const char* code = res.status == 413 ? "SITE-BODY-TOO-LARGE"
                         : res.status >= 500 ? "SITE-INTERNAL"
                                             : "SITE-BODY-MALFORMED";
      res.set_content(error_body(code), "application/json; charset=utf-8");
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_failure(res, wire("SITE-INTERNAL"));
    });
    const auto& ep = cfg.endpoints;
    http.Get(ep.at("lookup"), wrap("lookup", [this](auto& q, auto& s, auto& c) { lookup(q, s, c); }));
    http.Post(ep.at("apply"), wrap("apply", [this](auto& q, auto& s, auto& c) { apply(q, s, c); }));
    http.Post(ep.at("challenge"), wrap("challenge", [this](auto& q, auto& s, auto& c) { challenge(q, s, c); }));
    http.Post(ep.at("bind"), wrap("bind", [this](auto& q, auto& s, auto& c) { bind(q, s, c); }));
    http.Post(ep.at("login"), wrap("login", [this](auto& q, auto& s, auto& c) { login(q, s, c); }));
    http.Get(ep.at("session"), wrap("session", [this](auto& q, auto& s, auto& c) { session(q, s, c); }));
    http.Get(ep.at("status"), wrap("status", [this](auto& q, auto& s, auto& c) { status(q, s, c); }));
    http.Post(ep.at("logout"), wrap("logout", [this](auto& q, auto& s, auto& c) { logout(q, s, c); }));
  }

  void lookup(const httplib::Request& req, httplib::Response& res, const std::string&) {
    const std::string ubn = req.get_param_value("ubn");
    if (!valid_ubn(ubn)) throw Reject{wire("SITE-UBN-INVALID", "ubn " + ubn)};
    auto lease = pool.acquire();
    auto c = find_company(*lease, ubn);
    if (!c) throw Reject{wire("SITE-COMPANY-NOT-FOUND", "ubn " + ubn)};
    send(res, 200, {{"ubn", c->ubn}, {"name", c->name}, {"owner", c->owner}, {"address", c->address}});
  }

  // A request's body, or its parts when httplib has parsed it as multipart.
  static size_t request_bytes(const httplib::Request& req) {
    size_t n = req.body.size();
    for (const auto& [name, part] : req.files) n += part.content.size() + part.filename.size();
    return n;
  }

  // The apply request as JSON (the form alone) or as multipart/form-data: the form in the
  // part "application", each scan in a part "attachment" (docs/site-protocol.md).
  static std::string application_json(const httplib::Request& req, std::vector<UploadedAttachment>& uploads) {
    if (!req.is_multipart_form_data()) {
      if (req.body.size() > kMaxBodyBytes) throw Reject{wire("SITE-BODY-TOO-LARGE", std::to_string(req.body.size()) + " bytes")};
      return req.body;
    }
    for (const auto& [name, part] : req.files)
      if (name != "application" && name != "attachment")
        throw Reject{wire("SITE-BODY-MALFORMED", "unknown part " + name.substr(0, 40))};
    if (req.files.count("application") != 1) throw Reject{wire("SITE-BODY-MALFORMED", "one application part needed")};
    std::string form = req.files.find("application")->second.content;
    if (form.size() > kMaxBodyBytes) throw Reject{wire("SITE-BODY-TOO-LARGE", "application part")};
    auto [first, last] = req.files.equal_range("attachment");
    for (auto it = first; it != last; ++it)
      uploads.push_back(UploadedAttachment{it->second.filename, it->second.content_type, it->second.content});
    auto problems = judge_attachments(uploads);
    if (!problems.empty()) throw Reject{attachment_failure(problems)};
    return form;
  }

  void apply(const httplib::Request& req, httplib::Response& res, const std::string&) {
    std::vector<UploadedAttachment> uploads;
    std::string form_json = application_json(req, uploads);
    struct WipeForm {
      std::string& s;
      ~WipeForm() { std::fill(s.begin(), s.end(), '\0'); }
    } wipe_form{form_json};
    ReadApplication read = read_application(form_json);
    struct Wipe {
      std::string& s;
      ~Wipe() { std::fill(s.begin(), s.end(), '\0'); }
    } wipe{read.password};
    if (!read.is_object) throw Reject{wire("SITE-BODY-MALFORMED", "not a form object")};
    if (!read.ok()) {
      WireFailure f = wire("SITE-FORM-INVALID", std::to_string(read.errors.size()) + " field errors");
      json fields = json::array();
      for (const auto& e : read.errors) fields.push_back({{"field", e.field}, {"code", e.code}});
      f.extra = {{"fields", fields}};
      throw Reject{f};
    }
    const std::string hash = hash_secret(read.password, kPasswordIterations);
    auto lease = pool.acquire();
    auto made = create_application(*lease, read.application, hash, now_s());
    if (auto* f = std::get_if<WireFailure>(&made)) throw Reject{*f};
    keep_attachments(*lease, std::get<int64_t>(made), uploads);
    send(res, 201, {{"application", {{"id", application_label(std::get<int64_t>(made))}, {"status", "pending"}}}});
  }

  // The applicant asks how the review goes (days may pass): by the application's number and
  // the company's UBN together, so a number alone tells a stranger nothing. A wrong pair and
  // an unknown number get the same answer.
  void status(const httplib::Request& req, httplib::Response& res, const std::string&) {
    const std::string label = req.get_param_value("id");
    const std::string ubn = req.get_param_value("ubn");
    auto id = parse_application_label(label);
    if (!id || !valid_ubn(ubn)) throw Reject{wire("SITE-APPLICATION-UNKNOWN", "id " + label.substr(0, 20))};
    std::optional<ApplicationStatus> st;
    {
      auto lease = pool.acquire();
      st = application_status(*lease, *id);
    }
    if (!st || st->ubn != ubn) throw Reject{wire("SITE-APPLICATION-UNKNOWN", "id " + label + " ubn " + ubn)};
    json a{{"id", application_label(st->id)},
           {"status", st->state},
           {"received_at", utc_text(st->created_at)},
           {"updated_at", utc_text(st->changed_at)}};
    if (st->state == "approved") a["code_expires_at"] = utc_text(st->code_expires_at);
    if (st->state == "rejected") {
      const RejectionReason* r = find_rejection_reason(st->reason);
      a["reason"] = {{"code", st->reason},
                     {"message", r ? r->message : st->reason},
                     {"message_zh", r ? r->message_zh : st->reason},
                     {"note", st->note}};
    }
    send(res, 200, {{"application", a}});
  }

  // Stored after the application exists; if that fails the application goes too, so a
  // user never has an application the staff see without the scans that were sent.
  static void keep_attachments(Database& db, int64_t application_id, const std::vector<UploadedAttachment>& uploads) {
    if (uploads.empty()) return;
    try {
      store_attachments(db, application_id, uploads, now_s());
    } catch (...) {
      db.prepare("DELETE FROM applications WHERE id = ?").bind(1, application_id).run();
      throw;
    }
  }

  // Expired rows go at most once per interval, on the request that finds the time has come.
  void prune_when_due(int64_t now) {
    int64_t last = last_prune.load();
    if (now - last < cfg.prune_interval_seconds || !last_prune.compare_exchange_strong(last, now)) return;
    auto lease = pool.acquire();
    const int64_t deleted = prune_expired(*lease, now, cfg.retain_seconds);
    if (deleted > 0) std::fprintf(stderr, "%s prune %lld row(s)\n", utc_text(now).c_str(), static_cast<long long>(deleted));
  }

  void challenge(const httplib::Request& req, httplib::Response& res, const std::string& known_client) {
    auto parsed = parse_challenge_request(req.body);
    if (!parsed.ok()) throw Reject{parsed.failure};
    const ChallengeRequest& r = *parsed.value;
    if (r.purpose == Purpose::bind) {
      if (!valid_ubn(r.ubn)) throw Reject{wire("SITE-UBN-INVALID", "ubn")};
      // The control number goes into the text to sign: one line of printable ASCII.
      for (unsigned char ch : r.control_no)
        if (ch < 0x21 || ch > 0x7e || r.control_no.size() > 32)
          throw Reject{wire("SITE-BODY-MALFORMED", "control_no is not printable ASCII")};
    }
    std::string client = known_client;
    if (client.empty()) {
      client = random_token();
      res.set_header("Set-Cookie", std::string(kClientCookie) + "=" + client + "; Secure; HttpOnly; SameSite=Strict; Path=/");
    }
    const int64_t issued = now_s();
    prune_when_due(issued);
    ChallengeText text;
    text.purpose = r.purpose;
    text.site = cfg.site_host;
    text.nonce = random_token();
    text.issued = utc_text(issued);
    text.ubn = r.ubn;
    text.control_no = r.control_no;
    ChallengeRow row;
    row.id = "c_" + random_token();
    row.client_id = client;
    row.purpose = std::string(purpose_name(r.purpose));
    row.ubn = r.ubn;
    row.control_no = r.control_no;
    row.nonce = text.nonce;
    row.tbs = challenge_text(text);
    row.issued_at = issued;
    row.expires_at = issued + cfg.challenge_seconds;
    {
      auto lease = pool.acquire();
      insert_challenge(*lease, row);
    }
    send(res, 200,
         {{"challenge_id", row.id},
          {"nonce", row.nonce},
          {"tbs", row.tbs},
          {"expires_in", cfg.challenge_seconds},
          {"expires_at", utc_text(row.expires_at)}});
  }

  // The oracle's input (tests/lab/oracle): the CMS as received, what it had to answer and
  // what this site said of it. One file per CMS, written whole (rename) so a reader never
  // sees half of one.
  void capture(const std::string& endpoint, const std::string& signature, const ChallengeRow& c,
               const std::string& verdict, const std::string& detail) {
    if (cfg.capture_cms_dir.empty()) return;
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(cfg.capture_cms_dir, ec);
    const std::string name = std::to_string(now_s()) + "-" + std::to_string(getpid()) + "-" + std::to_string(++captured);
    const fs::path path = fs::path(cfg.capture_cms_dir) / (name + ".json");
    const json record{{"endpoint", endpoint}, {"cms_base64", signature}, {"tbs", c.tbs},        {"nonce", c.nonce},
                      {"site_verdict", verdict}, {"site_detail", detail},  {"anchors", cfg.verifier.anchor_files},
                      {"intermediates", cfg.verifier.intermediate_files}, {"policies", cfg.verifier.accepted_policies}};
    {
      std::ofstream out(path.string() + ".part", std::ios::trunc);
      out << record.dump(1);
    }
    fs::rename(path.string() + ".part", path, ec);
  }

  // Steps 3 and 4, shared by bind and login.
  LoginCertificate signed_certificate(const std::string& endpoint, const std::string& signature, const ChallengeRow& c) {
    auto cms = check_cms(signature, c.tbs, c.nonce);
    if (auto* f = std::get_if<WireFailure>(&cms)) {
      capture(endpoint, signature, c, f->code, f->detail);
      throw Reject{*f};
    }
    const SignedAnswer& a = std::get<SignedAnswer>(cms);
    auto checked = verifier.check_certificate(a.signer_der, a.other_certs);
    if (auto* f = std::get_if<WireFailure>(&checked)) {
      capture(endpoint, signature, c, f->code, f->detail);
      throw Reject{*f};
    }
    capture(endpoint, signature, c, "ok", {});
    return std::move(std::get<LoginCertificate>(checked));
  }

  static bool login_type_enabled(const Account& a, const std::string& type) {
    return type == "business" ? a.business_login : a.citizen_login;
  }

  void bind(const httplib::Request& req, httplib::Response& res, const std::string& client) {
    auto parsed = parse_bind_request(req.body);
    if (!parsed.ok()) throw Reject{parsed.failure};
    const BindRequest& r = *parsed.value;
    // The account's own budget too: many addresses working on one company are still limited.
    if (!limiter.allow("ubn:" + r.ubn)) throw Reject{wire("SITE-RATE-LIMITED", "rate limit for UBN " + r.ubn)};
    ChallengeRow challenge;
    Account account;
    {
      auto lease = pool.acquire();
      auto begun = begin_bind(*lease, r, client, now_s(), challenge);
      if (auto* f = std::get_if<WireFailure>(&begun)) throw Reject{*f};
      account = std::get<BindAccount>(begun).account;
    }
    LoginCertificate cert = signed_certificate("bind", r.signature, challenge);
    // Only a valid signature from a certificate that chains may spend one of the
    // company's code tries: junk signatures cannot lock the code (docs/site-protocol.md).
    {
      auto lease = pool.acquire();
      if (auto f = check_verification_code(*lease, account.id, r.verification_code, challenge.id, now_s()))
        throw Reject{*f};
    }
    if (auto f = identity_mismatch(cert, r.login_type, account.ubn, account.owner_id)) throw Reject{*f};
    if (!login_type_enabled(account, r.login_type))
      throw Reject{wire("SITE-LOGIN-TYPE-DISABLED", r.login_type + " login is disabled on the account")};
    Binding b{r.login_type, cert.subject, cert.issuer, cert.serial_hex, cert.fingerprint_sha256, holder_key(cert)};
    {
      auto lease = pool.acquire();
      store_binding(*lease, account.id, b, challenge.id, now_s());
    }
    send(res, 200,
         {{"bound", true},
          {"login_type", r.login_type},
          {"message", "綁定成功"},
          {"message_en", "Binding succeeded"},
          {"certificate",
           {{"subject", b.subject}, {"issuer", b.issuer}, {"serial", b.serial}, {"fingerprint_sha256", b.fingerprint}}}});
  }

  void login(const httplib::Request& req, httplib::Response& res, const std::string& client) {
    auto parsed = parse_login_request(req.body);
    if (!parsed.ok()) throw Reject{parsed.failure};
    ChallengeRow challenge;
    {
      auto lease = pool.acquire();
      auto begun = begin_login(*lease, parsed.value->challenge_id, client, now_s());
      if (auto* f = std::get_if<WireFailure>(&begun)) throw Reject{*f};
      challenge = std::get<ChallengeRow>(begun);
    }
    LoginCertificate cert = signed_certificate("login", parsed.value->signature, challenge);
    const std::string token = random_token();
    Account account;
    std::string login_type;
    {
      auto lease = pool.acquire();
      auto found = find_bound_account(*lease, cert.issuer, cert.serial_hex, cert.fingerprint_sha256);
      if (!found) {
        // A renewed card (same holder, new certificate) and a card a re-binding replaced get
        // their own answers: each needs something else of the user than a first binding.
        if (auto why = unbound_certificate_reason(*lease, cert.fingerprint_sha256, holder_key(cert))) throw Reject{*why};
        throw Reject{wire("SITE-CERT-NOT-BOUND", "certificate " + cert.serial_hex)};
      }
      std::tie(account, login_type) = *found;
      if (!login_type_enabled(account, login_type))
        throw Reject{wire("SITE-LOGIN-TYPE-DISABLED", login_type + " login is disabled on the account")};
      create_session(*lease, sha256_hex(token), account.id, login_type, challenge.id, now_s(), cfg.session_seconds);
    }
    res.set_header("Set-Cookie",
                   std::string(kSessionCookie) + "=" + token + "; Secure; HttpOnly; SameSite=Strict; Path=/");
    send(res, 200,
         {{"session", {{"token", token}, {"expires_in", cfg.session_seconds}}},
          {"account", account_json(account)},
          {"login_type", login_type}});
  }

  static std::string session_token(const httplib::Request& req) {
    std::string t = bearer_token(req.get_header_value("Authorization"));
    if (t.empty()) t = cookie_value(req.get_header_value("Cookie"), kSessionCookie);
    return well_formed_token(t) ? t : std::string();
  }

  void session(const httplib::Request& req, httplib::Response& res, const std::string&) {
    const std::string token = session_token(req);
    if (token.empty()) throw Reject{wire("SITE-SESSION-INVALID", "no session token")};
    auto lease = pool.acquire();
    auto s = find_session(*lease, sha256_hex(token), now_s());
    if (!s) throw Reject{wire("SITE-SESSION-INVALID", "unknown, expired or ended session")};
    send(res, 200, {{"account", account_json(s->account)}, {"login_type", s->login_type}, {"expires_in", s->expires_at - now_s()}});
  }

  void logout(const httplib::Request& req, httplib::Response& res, const std::string&) {
    const std::string token = session_token(req);
    if (token.empty()) throw Reject{wire("SITE-SESSION-INVALID", "no session token")};
    auto lease = pool.acquire();
    if (!end_session(*lease, sha256_hex(token), now_s()))
      throw Reject{wire("SITE-SESSION-INVALID", "unknown, expired or ended session")};
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    send(res, 200, {{"logged_out", true}});
  }
};

SiteServer::SiteServer(SiteConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
SiteServer::~SiteServer() = default;

int SiteServer::bind() {
  if (impl_->cfg.port == 0) return impl_->http.bind_to_any_port(impl_->cfg.bind_address);
  return impl_->http.bind_to_port(impl_->cfg.bind_address, impl_->cfg.port) ? impl_->cfg.port : -1;
}

bool SiteServer::run() { return impl_->http.listen_after_bind(); }
void SiteServer::stop() { impl_->http.stop(); }
bool SiteServer::serving() const { return impl_->http.is_running(); }

}  // namespace certwiz::site_server

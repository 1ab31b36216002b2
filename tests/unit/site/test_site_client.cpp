// The site client against a recording HTTPS test site on loopback (cpp-httplib, a test
// CA made with openssl at test time) and a recording stand-in of the local signing
// component: cookies, error mapping, challenge checks, size caps, TLS trust, cancel,
// form hooks, both signing paths, and that the PIN never reaches the site.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "checks/pkcs11/protocol.h"
#include "checks/site/client.h"
#include "checks/site/protocol.h"
#include "tests/support/server_thread.h"

using namespace certwiz;
using namespace certwiz::site;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kPin = "135790";

struct TestPki {
  fs::path dir;
  TestPki() {
    dir = fs::temp_directory_path() / ("certwiz-site-client-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string cmd =
        "cd '" + dir.string() + "' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=CertWiz Site Test CA' 2>/dev/null && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' 2>/dev/null && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl failed");
  }
  ~TestPki() { fs::remove_all(dir); }
  std::string path(const char* f) const { return (dir / f).string(); }
};
TestPki& pki() {
  static TestPki p;
  return p;
}

std::string cookie_value(const httplib::Request& req, const std::string& name) {
  const std::string all = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find(';', pos);
    std::string part = all.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

// A site that follows docs/site-protocol.md closely enough for the client, records every
// request it receives, and can be told to misbehave.
struct FakeSite {
  struct Seen {
    std::string method, path, headers, body;
  };
  httplib::SSLServer server;
  int port = 0;
  std::mutex m;
  std::vector<Seen> seen;
  std::map<std::string, std::string> challenge_client;  // challenge id → client cookie
  std::map<std::string, std::string> challenge_tbs;
  std::set<std::string> sessions;
  int counter = 0;
  // Misbehaviours.
  std::string tbs_site = "127.0.0.1";
  bool huge_lookup = false;
  // Last, so it is destroyed first: no handler runs after the members it uses are gone.
  std::optional<certwiz::testing::ServerThread> serving;

  FakeSite() : server(pki().path("server.pem").c_str(), pki().path("server.key").c_str()) {
    server.set_logger([this](const httplib::Request& req, const httplib::Response&) {
      std::string h;
      for (const auto& [k, v] : req.headers) h += k + ": " + v + "\n";
      std::lock_guard g(m);
      seen.push_back({req.method, req.path, h, req.body});
    });
    const std::string p = "/api/certwiz/v1/";
    server.Get(p + "company", [this](const httplib::Request& req, httplib::Response& res) {
      if (huge_lookup) return res.set_content(std::string(2 * 1024 * 1024, ' '), "application/json");
      if (req.get_param_value("ubn") != "83124560") {
        res.status = 404;
        return res.set_content(error_body("SITE-COMPANY-NOT-FOUND"), "application/json");
      }
      res.set_content(json{{"ubn", "83124560"}, {"name", "範例環保股份有限公司"}, {"owner", "王大明"},
                           {"address", "臺北市中正區重慶南路一段122號"}}.dump(),
                      "application/json");
    });
    server.Post(p + "application", [](const httplib::Request& req, httplib::Response& res) {
      auto j = json::parse(req.body, nullptr, false);
      if (!j.is_object() || !j.contains("password")) {
        res.status = 400;
        return res.set_content(error_body("SITE-BODY-MALFORMED"), "application/json");
      }
      if (j["ubn"] == "22099131") {
        res.status = 422;
        json e = json::parse(error_body("SITE-FORM-INVALID"));
        e["fields"] = {{{"field", "ubn"}, {"code", "FORM-UBN-CHECKSUM"}}};
        return res.set_content(e.dump(), "application/json");
      }
      res.status = 201;
      res.set_content(R"({"application":{"id":"APP-000042","status":"pending"}})", "application/json");
    });
    server.Post(p + "challenge", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard g(m);
      std::string client = cookie_value(req, "certwiz_client");
      if (client.empty()) {
        client = random_token();
        res.set_header("Set-Cookie", "certwiz_client=" + client + "; Secure; HttpOnly; SameSite=Strict; Path=/");
      }
      auto j = json::parse(req.body, nullptr, false);
      Tbs t;
      t.purpose = j.value("purpose", "") == "bind" ? Purpose::bind : Purpose::login;
      t.site = tbs_site;
      t.nonce = random_token();
      t.issued = format_utc(std::chrono::system_clock::now());
      if (t.purpose == Purpose::bind) {
        t.ubn = j.value("ubn", "");
        t.control_no = j.value("control_no", "");
      }
      const std::string id = "c_" + std::to_string(++counter);
      challenge_client[id] = client;
      challenge_tbs[id] = make_tbs(t);
      res.set_content(json{{"challenge_id", id}, {"nonce", t.nonce}, {"tbs", challenge_tbs[id]}, {"expires_in", 120},
                           {"expires_at", "2026-11-26T12:02:00Z"}}.dump(),
                      "application/json");
    });
    auto check_challenge = [this](const httplib::Request& req, httplib::Response& res, json& j) {
      j = json::parse(req.body, nullptr, false);
      std::lock_guard g(m);
      const std::string id = j.is_object() ? j.value("challenge_id", "") : "";
      if (!challenge_client.count(id)) {
        res.status = 400;
        res.set_content(error_body("SITE-NONCE-UNKNOWN"), "application/json");
        return false;
      }
      const bool mine = challenge_client[id] == cookie_value(req, "certwiz_client");
      challenge_client.erase(id);
      if (!mine) {
        res.status = 403;
        res.set_content(error_body("SITE-NONCE-WRONG-CLIENT"), "application/json");
        return false;
      }
      return true;
    };
    server.Post(p + "bind", [check_challenge](const httplib::Request& req, httplib::Response& res) {
      json j;
      if (!check_challenge(req, res, j)) return;
      if (j.value("verification_code", "") != "K7QX2MPA") {
        res.status = 401;
        return res.set_content(error_body("SITE-CODE-WRONG", 4), "application/json");
      }
      res.set_content(json{{"bound", true}, {"login_type", j.value("login_type", "")}, {"message", "綁定成功"},
                           {"message_en", "Binding succeeded"},
                           {"certificate", {{"subject", "CN=x"}, {"issuer", "CN=y"}, {"serial", "01"}}}}.dump(),
                      "application/json");
    });
    server.Post(p + "login", [this, check_challenge](const httplib::Request& req, httplib::Response& res) {
      json j;
      if (!check_challenge(req, res, j)) return;
      const std::string token = random_token();
      {
        std::lock_guard g(m);
        sessions.insert(token);
      }
      res.set_header("Set-Cookie", "certwiz_session=" + token + "; Secure; HttpOnly; SameSite=Strict; Path=/");
      res.set_content(json{{"session", {{"token", token}, {"expires_in", 1800}}},
                           {"account", {{"ubn", "83124560"}, {"company_name", "範例環保股份有限公司"}}},
                           {"login_type", "business"}}.dump(),
                      "application/json");
    });
    server.Get(p + "session", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard g(m);
      if (!sessions.count(cookie_value(req, "certwiz_session"))) {
        res.status = 401;
        return res.set_content(error_body("SITE-SESSION-INVALID"), "application/json");
      }
      res.set_content(R"({"account":{"ubn":"83124560","company_name":"範例環保股份有限公司"},"login_type":"business"})",
                      "application/json");
    });
    server.Post(p + "logout", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard g(m);
      if (!sessions.erase(cookie_value(req, "certwiz_session"))) {
        res.status = 401;
        return res.set_content(error_body("SITE-SESSION-INVALID"), "application/json");
      }
      res.set_header("Set-Cookie", "certwiz_session=; Max-Age=0; Secure; HttpOnly; SameSite=Strict; Path=/");
      res.set_content(R"({"logged_out":true})", "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    serving.emplace(server);
  }
  SiteProfile profile(bool trust = true) const {
    SiteProfile p;
    p.name = "test";
    p.base_url = "https://127.0.0.1:" + std::to_string(port);
    for (const char* e : {"lookup", "apply", "challenge", "bind", "login", "logout", "session"})
      p.endpoints[e] = std::string("/api/certwiz/v1/") +
                       (std::string(e) == "lookup" ? "company" : std::string(e) == "apply" ? "application" : e);
    if (trust) p.tls_ca_files = {pki().path("ca.pem")};
    p.trusted_domain = "127.0.0.1";
    return p;
  }
  // Everything the site received, as one text.
  std::string everything() {
    std::lock_guard g(m);
    std::string all;
    for (const auto& s : seen) all += s.method + " " + s.path + "\n" + s.headers + "\n" + s.body + "\n";
    return all;
  }
};

// A stand-in of the local signing component: checks Origin against its whitelist,
// records the tbsPackage it receives.
struct FakeComponent {
  httplib::Server server;
  int port = 0;
  std::mutex m;
  std::set<std::string> whitelist{"127.0.0.1"};
  std::vector<std::string> packages;
  std::vector<std::string> origins;
  bool reject_pin = false;
  // Last, so it is destroyed first: no handler runs after the members it uses are gone.
  std::optional<certwiz::testing::ServerThread> serving;
  FakeComponent() {
    server.Post("/sign", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard g(m);
      std::string origin = req.get_header_value("Origin");
      origins.push_back(origin);
      packages.push_back(req.get_param_value("tbsPackage"));
      std::string host = origin.substr(origin.find("://") + 3);
      host = host.substr(0, host.rfind(':'));
      json out{{"ret_code", 0}, {"last_error", 0}};
      if (!whitelist.count(host)) out["ret_code"] = 0x7600000F;
      else if (reject_pin) out = json{{"ret_code", 0x76100006}, {"last_error", 0xA0}};
      else out["signature"] = pkcs11::wire::base64_encode(std::vector<uint8_t>{0x30, 0x03, 0x02, 0x01, 0x07});
      res.set_content(out.dump(), "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    serving.emplace(server);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

// The card path without a card: returns fixed bytes and counts the challenges it was given.
struct CountingSigner : ChallengeSigner {
  int calls = 0;
  std::vector<std::string> tbs;
  SigningPath which = SigningPath::card;
  SigningPath path() const override { return which; }
  Expected<std::vector<uint8_t>> sign(const Challenge& c) override {
    ++calls;
    tbs.push_back(c.tbs);
    return std::vector<uint8_t>{0x30, 0x00};
  }
  bool pin_rejected() const override { return false; }
};

SiteClientOptions direct() {
  SiteClientOptions o;
  o.proxy = "direct";
  o.timeout = std::chrono::seconds(10);
  return o;
}

}  // namespace

TEST(SiteClient, KeepsTheClientCookieAndSendsItBack) {
  FakeSite site;
  SiteClient client(site.profile(), direct());
  EXPECT_FALSE(client.cookie("certwiz_client"));
  auto c = client.challenge(Purpose::bind, "83124560", "H5400001");
  ASSERT_TRUE(c) << c.error().code << " " << c.error().detail;
  auto cookie = client.cookie("certwiz_client");
  ASSERT_TRUE(cookie);
  EXPECT_EQ(cookie->size(), 43u);
  // A second challenge keeps the same identity (no new cookie is issued).
  ASSERT_TRUE(client.challenge(Purpose::login));
  EXPECT_EQ(client.cookie("certwiz_client"), cookie);
  auto b = client.bind(*c, {"83124560", "H5400001", "K7QX2MPA", LoginType::business}, std::vector<uint8_t>{0x30, 0x00});
  ASSERT_TRUE(b) << b.error().code << " " << b.error().detail;
  EXPECT_EQ(b->message.en, "Binding succeeded");
  EXPECT_NE(site.everything().find("certwiz_client=" + *cookie), std::string::npos);

  // Another client (another browser) cannot answer this client's challenge.
  auto c2 = client.challenge(Purpose::login);
  ASSERT_TRUE(c2);
  SiteClient other(site.profile(), direct());
  ASSERT_TRUE(other.challenge(Purpose::login));
  auto stolen = other.login(*c2, std::vector<uint8_t>{0x30, 0x00});
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, "SITE-NONCE-WRONG-CLIENT");
  ASSERT_TRUE(other.last_failure());
  EXPECT_EQ(other.last_failure()->http_status, 403);
}

TEST(SiteClient, LoginSessionLogoutWithTheSessionCookie) {
  FakeSite site;
  SiteClient client(site.profile(), direct());
  CountingSigner signer;
  auto s = login_with(client, signer);
  ASSERT_TRUE(s) << s.error().code << " " << s.error().detail;
  EXPECT_EQ(signer.calls, 1);
  EXPECT_EQ(client.cookie("certwiz_session"), s->token);
  auto who = client.session();
  ASSERT_TRUE(who) << who.error().code;
  EXPECT_EQ(who->ubn, "83124560");
  ASSERT_TRUE(client.logout());
  EXPECT_FALSE(client.cookie("certwiz_session"));  // Max-Age=0 removed it
  auto after = client.session();
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, "SITE-SESSION-INVALID");
}

TEST(SiteClient, ErrorAnswersMapToTheirCodesWithExtras) {
  FakeSite site;
  SiteClient client(site.profile(), direct());
  CountingSigner signer;
  auto b = bind_with(client, signer, {"83124560", "H5400001", "WRONGCOD", LoginType::business});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "SITE-CODE-WRONG");
  ASSERT_TRUE(client.last_failure());
  EXPECT_EQ(client.last_failure()->attempts_left, 4);
  EXPECT_EQ(client.last_failure()->http_status, 401);
  // A challenge that does not exist.
  Challenge fake;
  fake.id = "c_nope";
  auto l = client.login(fake, std::vector<uint8_t>{1});
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, "SITE-NONCE-UNKNOWN");
}

TEST(SiteClient, RefusesToSignAChallengeForSomethingElse) {
  FakeSite site;
  site.tbs_site = "waste.moenv.gov.tw";  // a relayed challenge of another site
  SiteClient client(site.profile(), direct());
  CountingSigner signer;
  auto s = login_with(client, signer);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "SITE-CHALLENGE-UNEXPECTED");
  auto b = bind_with(client, signer, {"83124560", "H5400001", "K7QX2MPA", LoginType::business});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "SITE-CHALLENGE-UNEXPECTED");
  EXPECT_EQ(signer.calls, 0);  // nothing was signed
}

TEST(SiteClient, AnswerSizeIsCapped) {
  FakeSite site;
  site.huge_lookup = true;
  SiteClient client(site.profile(), direct());
  auto c = client.lookup("83124560");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "SITE-ANSWER-TOO-LARGE");
}

TEST(SiteClient, TlsIsVerifiedAgainstTheProfilesCa) {
  FakeSite site;
  SiteClient untrusting(site.profile(false), direct());
  auto c = untrusting.lookup("83124560");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "NET-TLS-VERIFY");
  SiteProfile p = site.profile(false);
  SiteClientOptions o = direct();
  o.extra_ca_files = {pki().path("ca.pem")};
  SiteClient trusting(p, o);
  EXPECT_TRUE(trusting.lookup("83124560"));
  p.tls_ca_files = {pki().path("server.key")};  // not a certificate
  SiteClient broken(p, direct());
  EXPECT_EQ(broken.lookup("83124560").error().code, "SITE-PROFILE-MALFORMED");
}

TEST(SiteClient, ProfileProblems) {
  FakeSite site;
  SiteProfile p = site.profile();
  p.base_url = "http://127.0.0.1:" + std::to_string(site.port);
  EXPECT_EQ(SiteClient(p, direct()).lookup("83124560").error().code, "SITE-PROFILE-MALFORMED");
  p = site.profile();
  p.endpoints.erase("session");
  EXPECT_EQ(SiteClient(p, direct()).session().error().code, "SITE-NOT-CONFIGURED");
  // Nothing listens: the network failure's own code.
  p = site.profile();
  p.base_url = "https://127.0.0.1:1";
  EXPECT_EQ(SiteClient(p, direct()).lookup("83124560").error().code, "NET-REFUSED");
  EXPECT_EQ(SiteClient(site.profile(), direct()).lookup("8312456").error().code, "SITE-UBN-INVALID");
  // A request body over the protocol's 64 KiB is not sent at all.
  form::ValidatedForm v;
  v.ubn = "83124560";
  v.company_name = std::string(70 * 1024, 'x');
  const std::string before = site.everything();
  EXPECT_EQ(SiteClient(site.profile(), direct()).apply(v, Secret("Qz7#kLm2pX!w")).error().code, "SITE-BODY-TOO-LARGE");
  EXPECT_EQ(site.everything(), before);
}

TEST(SiteClient, CancelStopsBeforeSending) {
  FakeSite site;
  SiteClientOptions o = direct();
  o.cancel = CancelToken{};
  o.cancel->cancel();
  SiteClient client(site.profile(), o);
  EXPECT_EQ(client.lookup("83124560").error().code, "ENGINE-CANCELLED");
  EXPECT_EQ(site.everything(), "");
}

TEST(SiteForm, LookupAndSubmitThroughTheFormInterfaces) {
  FakeSite site;
  SiteClient client(site.profile(), direct());
  SiteCompanyLookup lookup(client);
  auto r = lookup.find("83124560");
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(r->name, "範例環保股份有限公司");
  EXPECT_EQ(r->owner, "王大明");
  EXPECT_EQ(lookup.find("22099131").error().code, "FORM-LOOKUP-NOT-FOUND");

  SiteApplicationSubmitter submitter(std::make_unique<SiteClient>(site.profile(), direct()));
  form::ValidatedForm v;
  v.ubn = "83124560";
  v.company_name = "範例環保股份有限公司";
  Secret password("Qz7#kLm2pX!w");
  auto receipt = submitter.submit(v, password, {});
  ASSERT_TRUE(receipt) << receipt.error().code;
  EXPECT_EQ(receipt->reference, "APP-000042");
  EXPECT_NE(receipt->message.en.find("APP-000042"), std::string::npos);
  v.ubn = "22099131";
  auto refused = submitter.submit(v, password, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "SITE-FORM-INVALID");
  ASSERT_TRUE(submitter.client().last_failure());
  ASSERT_EQ(submitter.client().last_failure()->fields.size(), 1u);
  EXPECT_EQ(submitter.client().last_failure()->fields[0].code, "FORM-UBN-CHECKSUM");
}

TEST(SitePaths, BothPathsWorkAndThePinNeverReachesTheSite) {
  FakeSite site;
  FakeComponent component;
  auto pin = std::make_shared<Secret>(kPin);
  CountingSigner card;
  LocalSignSignerOptions lo;
  lo.url = component.url();
  lo.origin = "https://127.0.0.1:" + std::to_string(site.port);
  lo.confirm_final_try = true;  // no card here whose tries could be read: the user accepted that
  LocalSignSigner browser(lo, pin);
  auto report = login_paths(site.profile(), direct(), {&card, &browser});
  ASSERT_TRUE(report.ok()) << report.verdict->code << " " << report.verdict->detail;
  ASSERT_EQ(report.paths.size(), 2u);
  for (const auto& p : report.paths) {
    EXPECT_TRUE(p.ok);
    EXPECT_TRUE(p.session_checked);
    EXPECT_TRUE(p.logged_out);
    ASSERT_TRUE(p.session);
    EXPECT_TRUE(p.session->token.empty());  // no live token in a report
  }
  auto bound = bind_paths(site.profile(), direct(), {&card, &browser}, {"83124560", "H5400001", "K7QX2MPA", LoginType::business});
  ASSERT_TRUE(bound.ok()) << bound.verdict->code;
  // The component got the PIN, the site's page origin, and the site's challenge...
  ASSERT_EQ(component.packages.size(), 2u);
  EXPECT_NE(component.packages[0].find(std::string("\"pin\":\"") + kPin + "\""), std::string::npos);
  EXPECT_EQ(component.origins[0], lo.origin);
  auto pkg = json::parse(component.packages[1]);
  EXPECT_EQ(pkg["signatureType"], "PKCS7");
  EXPECT_EQ(pkg["tbs"].get<std::string>().rfind("CertWiz-Challenge v1\npurpose: bind", 0), 0u);
  // ...and the site, which saw every request of both flows, never saw the PIN.
  const std::string all = site.everything();
  EXPECT_NE(all.find("\"signature\""), std::string::npos);
  EXPECT_EQ(all.find(kPin), std::string::npos);
}

TEST(SitePaths, UntrustedSiteInTheComponentIsTheBrowserPathFailing) {
  FakeSite site;
  FakeComponent component;
  component.whitelist = {"localhost"};  // the site is not among the component's trusted domains
  auto pin = std::make_shared<Secret>(kPin);
  CountingSigner card;
  LocalSignSignerOptions lo;
  lo.url = component.url();
  lo.origin = "https://127.0.0.1:" + std::to_string(site.port);
  lo.confirm_final_try = true;  // no card here whose tries could be read: the user accepted that
  LocalSignSigner browser(lo, pin);
  auto report = login_paths(site.profile(), direct(), {&card, &browser});
  ASSERT_TRUE(report.verdict);
  EXPECT_EQ(report.verdict->code, "SITE-BROWSER-PATH-FAILS");
  ASSERT_TRUE(report.paths[1].error);
  EXPECT_EQ(report.paths[1].error->code, "LOCALSIGN-SITE-NOT-TRUSTED");
  EXPECT_NE(report.paths[1].error->detail.find("0x7600000F"), std::string::npos);
  EXPECT_TRUE(report.paths[0].ok);
  EXPECT_EQ(browser.last_ret_code(), 0x7600000Fu);
}

TEST(SitePaths, APinTheComponentRefusedIsNeverOfferedAgain) {
  FakeSite site;
  FakeComponent component;
  component.reject_pin = true;
  auto pin = std::make_shared<Secret>("999999");
  LocalSignSignerOptions lo;
  lo.url = component.url();
  lo.origin = "https://127.0.0.1:" + std::to_string(site.port);
  lo.confirm_final_try = true;  // no card here whose tries could be read: the user accepted that
  LocalSignSigner browser(lo, pin);
  SiteClient client(site.profile(), direct());
  auto first = login_with(client, browser);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, "LOCALSIGN-LOGIN-FAILED");
  EXPECT_TRUE(browser.pin_rejected());
  auto second = login_with(client, browser);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, "LOCALSIGN-LOGIN-FAILED");
  EXPECT_EQ(component.packages.size(), 1u);  // the second attempt never reached the component

  // In a two-path run, a path after one whose PIN was refused is skipped.
  LocalSignSigner refused(lo, pin);
  CountingSigner card;
  auto report = login_paths(site.profile(), direct(), {&refused, &card});
  ASSERT_EQ(report.paths.size(), 2u);
  EXPECT_FALSE(report.paths[1].attempted);
  EXPECT_EQ(card.calls, 0);
}

// No PKCS#11 module anywhere (explicit, vendor paths, p11-kit) and a component that
// names none: the card's tries left are unknown, so the PIN is not sent blind; with the
// user's confirmation that this try may be the last, it goes once.
TEST(SitePaths, APinIsNeverSentBlindToTheComponent) {
  const std::string empty = ::testing::TempDir() + "certwiz-no-modules";
  std::filesystem::create_directories(empty);
  for (const char* var : {"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"}) setenv(var, empty.c_str(), 1);
  FakeSite site;
  FakeComponent component;
  auto pin = std::make_shared<Secret>(kPin);
  LocalSignSignerOptions lo;
  lo.url = component.url();
  lo.origin = "https://127.0.0.1:" + std::to_string(site.port);
  LocalSignSigner blind(lo, pin);
  SiteClient client(site.profile(), direct());
  auto refused = login_with(client, blind);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "SITE-PIN-STATE-UNKNOWN") << refused.error().detail;
  EXPECT_EQ(blind.pin_state_evidence().value("unknown", ""), "P11-NO-MODULE");
  EXPECT_TRUE(component.packages.empty()) << "the PIN reached the component";
  EXPECT_FALSE(refused.error().remedy().en.empty());

  lo.confirm_final_try = true;
  LocalSignSigner confirmed(lo, pin);
  SiteClient again(site.profile(), direct());
  auto s = login_with(again, confirmed);
  ASSERT_TRUE(s) << s.error().code << " " << s.error().detail;
  EXPECT_EQ(component.packages.size(), 1u);
}

TEST(SitePaths, AWrongVerificationCodeIsNotSpentTwice) {
  FakeSite site;
  CountingSigner card, browser;
  browser.which = SigningPath::localsign;
  auto report = bind_paths(site.profile(), direct(), {&card, &browser}, {"83124560", "H5400001", "WRONGCOD", LoginType::business});
  ASSERT_TRUE(report.verdict);
  EXPECT_EQ(report.verdict->code, "SITE-CODE-WRONG");
  ASSERT_EQ(report.paths.size(), 2u);
  EXPECT_TRUE(report.paths[0].attempted);
  EXPECT_FALSE(report.paths[1].attempted);
  EXPECT_EQ(browser.calls, 0);
  const std::string all = site.everything();
  size_t binds = 0;
  for (size_t p = all.find("POST /api/certwiz/v1/bind"); p != std::string::npos; p = all.find("POST /api/certwiz/v1/bind", p + 1))
    ++binds;
  EXPECT_EQ(binds, 1u);
}

// One set-up for the CLI and the wizard: the run's module, confirmation and component, the
// page's origin from the profile, and the lab's component URL only when none was given.
TEST(SiteSigners, MakeSignersBuildsBothPathsFromTheRunsOptions) {
  unsetenv("CERTWIZ_LAB_LOCALSIGN_URL");
  RunOptions run;
  run.pkcs11_module = "/opt/hicos/libHicos_p11v1.so";
  run.local_sign_url = "http://127.0.0.1:1";
  run.confirm_final_try = true;
  SiteProfile profile;
  profile.base_url = "https://site.example:8443/";
  auto pin = std::make_shared<Secret>(kPin);
  SignerRequest request;
  request.reader = "Reader A 00 00";
  auto signers = make_signers(run, profile, request, pin);
  ASSERT_EQ(signers.size(), 2u);
  ASSERT_EQ(signers[0]->path(), SigningPath::card);
  ASSERT_EQ(signers[1]->path(), SigningPath::localsign);
  EXPECT_EQ(signer_ptrs(signers), (std::vector<ChallengeSigner*>{signers[0].get(), signers[1].get()}));
  const auto& card = dynamic_cast<const CardSigner&>(*signers[0]).options();
  EXPECT_EQ(card.module, run.pkcs11_module);
  EXPECT_EQ(card.reader, request.reader);
  EXPECT_TRUE(card.confirm_final_try);
  const auto& ls = dynamic_cast<const LocalSignSigner&>(*signers[1]).options();
  EXPECT_EQ(ls.url, run.local_sign_url);
  EXPECT_EQ(ls.origin, "https://site.example:8443");
  EXPECT_EQ(ls.slot_description, request.reader);
  EXPECT_EQ(ls.pin_state_module, run.pkcs11_module);
  EXPECT_EQ(ls.pin_state_reader, request.reader);
  EXPECT_TRUE(ls.confirm_final_try);

  run.confirm_final_try = false;
  request.card = false;
  setenv("CERTWIZ_LAB_LOCALSIGN_URL", "http://127.0.0.1:2", 1);
  auto lab = make_signers(run, profile, request, pin);
  ASSERT_EQ(lab.size(), 1u);
  EXPECT_EQ(dynamic_cast<const LocalSignSigner&>(*lab[0]).options().url, "http://127.0.0.1:2");
  EXPECT_FALSE(dynamic_cast<const LocalSignSigner&>(*lab[0]).options().confirm_final_try);
  request.localsign_url = "http://127.0.0.1:3";
  auto given = make_signers(run, profile, request, pin);
  ASSERT_EQ(given.size(), 1u);
  EXPECT_EQ(dynamic_cast<const LocalSignSigner&>(*given[0]).options().url, "http://127.0.0.1:3");
  unsetenv("CERTWIZ_LAB_LOCALSIGN_URL");

  request.card = true;
  request.localsign = false;
  auto card_only = make_signers(run, profile, request, pin);
  ASSERT_EQ(card_only.size(), 1u);
  EXPECT_EQ(card_only[0]->path(), SigningPath::card);
}

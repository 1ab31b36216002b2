// The local signing component client: its parsers, the ret_code table and the checks,
// against an HTTP server on loopback that answers as the component (or does not).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <optional>
#include <thread>

#include "checks/core/catalogue.h"
#include "checks/localsign/client.h"
#include "checks/localsign/localsign_checks.h"
#include "checks/localsign/ret_codes.h"
#include "tests/support/server_thread.h"

using namespace certwiz;
using namespace certwiz::localsign;

namespace {

struct FakeComponent {
  httplib::Server server;
  int port = 0;
  std::mutex m;
  std::vector<std::string> sign_bodies;
  std::vector<std::string> origins;
  std::string version_page = "<html><body>version:1.3.4.3</body></html>";
  std::string pkcs11info = R"({"ret_code":0,"serverVersion":"1.3.4.3","slots":[{"slotDescription":"Reader A","token":{"serialNumber":"TP03000001","certs":[{"certb64":"MIIB","usage":"digitalSignature"}]}},{"slotDescription":"Reader B"}]})";
  std::string sign_answer = R"({"ret_code":0,"last_error":0,"signature":"MIAGCSqGSIb3DQEHAqCA","certb64":"MIIB","cardSN":"TP03000001"})";
  std::chrono::milliseconds delay{0};
  // Last, so it is destroyed first: no handler runs after the members it uses are gone.
  std::optional<certwiz::testing::ServerThread> serving;

  FakeComponent() {
    server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(delay);
      res.set_content(version_page, "text/html");
    });
    server.Get("/pkcs11info", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(pkcs11info, "application/json");
    });
    server.Post("/sign", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard g(m);
      sign_bodies.push_back(req.body);
      origins.push_back(req.get_header_value("Origin"));
      res.set_content(sign_answer, "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    serving.emplace(server);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

SiteProfile profile_requiring(const std::string& linux_min) {
  SiteProfile p;
  p.min_localsign_version["linux"] = linux_min;
  p.min_localsign_version["windows"] = "1.3.4.103328";
  return p;
}

}  // namespace

TEST(LocalSignParse, VersionPage) {
  EXPECT_EQ(parse_version_page("version:1.3.4.3").value(), "1.3.4.3");
  EXPECT_EQ(parse_version_page("<p>version: 1.3.4.103328</p>").value(), "1.3.4.103328");
  for (const char* bad : {"", "hello", "version:", "version:.1", "version:1.", "version:abc"}) {
    auto v = parse_version_page(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_EQ(v.error().code, "LOCALSIGN-MALFORMED") << bad;
  }
}

TEST(LocalSignParse, Pkcs11InfoSlotsTokensCerts) {
  FakeComponent f;  // reuse its sample answer
  auto info = parse_pkcs11info(f.pkcs11info);
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->ret_code, 0u);
  ASSERT_EQ(info->slots.size(), 2u);
  ASSERT_TRUE(info->slots[0].token);
  EXPECT_EQ(info->slots[0].token->serial, "TP03000001");
  ASSERT_EQ(info->slots[0].token->certs.size(), 1u);
  EXPECT_FALSE(info->slots[1].token);
}

TEST(LocalSignParse, NegativeAndStringRetCodesAreReadAsUnsigned) {
  auto a = parse_sign_response(R"({"ret_code":-1979711439})");  // 0x8A000031 as signed: not a known code
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ret_code, 0x8A000031u);
  auto b = parse_sign_response(R"({"ret_code":"0x76000031","last_error":"0"})");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->ret_code, 0x76000031u);
  auto c = parse_sign_response(R"({"ret_code":1979711537})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ret_code, 0x76000031u);
}

TEST(LocalSignParse, MalformedAnswersAreRejectedWithTheirCode) {
  for (const char* bad : {"", "[]", "null", "{", R"({"ret_code":"abc"})", R"({"ret_code":true})", R"({"no":"code"})",
                          R"({"ret_code":0})" /* success without a signature */, R"({"ret_code":"1234567890123456789012"})"}) {
    auto r = parse_sign_response(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "LOCALSIGN-MALFORMED") << bad;
  }
  for (const char* bad : {R"({"ret_code":0,"slots":{}})", R"({"ret_code":0,"slots":[1]})",
                          R"({"ret_code":0,"slots":[{"token":{"certs":"x"}}]})", R"({"slots":[]})"}) {
    auto r = parse_pkcs11info(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "LOCALSIGN-MALFORMED") << bad;
  }
}

TEST(LocalSignRetCodes, EveryMappedCodeIsInTheCatalogue) {
  for (uint32_t v : {0x76000006u, 0x7600000Du, 0x7600000Fu, 0x76000031u, 0x76000998u, 0x76000999u, 0x76100001u,
                     0x76100003u, 0x76100006u, 0x7610000Cu, 0x76500001u, 0x76500002u, 0x76210001u, 0x76300042u}) {
    const RetCodeInfo* info = describe_ret_code(v);
    ASSERT_NE(info, nullptr) << std::hex << v;
    EXPECT_NE(find_failure_code(info->failure_code), nullptr) << info->failure_code;
  }
  EXPECT_EQ(describe_ret_code(0x12345678u), nullptr);
  EXPECT_EQ(std::string(describe_ret_code(0x76000031u)->failure_code), "LOCALSIGN-SITE-NOT-TRUSTED");
}

TEST(LocalSignRetCodes, ResultsCarryTriesLeftFromLastError) {
  auto r = result_for_ret_code(0x76100006u, -2147483647, {"簽章", "Signing"});
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.code, "LOCALSIGN-LOGIN-FAILED");
  EXPECT_EQ(r.evidence["tries_left"], 1);
  EXPECT_EQ(r.evidence["ret_code"], "0x76100006");
  auto locked = result_for_ret_code(0x76100006u, 0xA4, {"簽章", "Signing"});
  EXPECT_EQ(locked.evidence["locked"], true);
  auto unknown = result_for_ret_code(0x70000001u, 0, {"簽章", "Signing"});
  EXPECT_EQ(unknown.code, "LOCALSIGN-UNKNOWN-RET-CODE");
}

TEST(LocalSignChecks, NotRunningWhenNothingListens) {
  Client c("http://127.0.0.1:" + std::to_string(closed_port()), std::chrono::seconds(2));
  auto r = check_service(c, nullptr);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.code, "LOCALSIGN-NOT-RUNNING");
  EXPECT_FALSE(r.remedy.zh_TW.empty());
}

TEST(LocalSignChecks, HealthyAndNewEnough) {
  FakeComponent f;
  Client c(f.url());
  auto site = profile_requiring("1.3.4.3");
  auto r = check_service(c, &site);
  EXPECT_EQ(r.status, Status::pass) << r.code;
  EXPECT_EQ(r.evidence["version"], "1.3.4.3");
  EXPECT_EQ(r.evidence["site_minimum"], "1.3.4.3");
}

TEST(LocalSignChecks, OlderThanTheSiteRequires) {
  FakeComponent f;
  f.version_page = "version:1.3.4.2";
  Client c(f.url());
  auto site = profile_requiring("1.3.4.3");
  auto r = check_service(c, &site);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.code, "LOCALSIGN-OLD-VERSION");
}

TEST(LocalSignChecks, SomethingElseOnThePortIsMalformed) {
  FakeComponent f;
  f.version_page = "<html>Apache</html>";
  Client c(f.url());
  EXPECT_EQ(check_service(c, nullptr).code, "LOCALSIGN-MALFORMED");
}

TEST(LocalSignChecks, SlowComponentTimesOut) {
  FakeComponent f;
  f.delay = std::chrono::milliseconds(1500);
  Client c(f.url(), std::chrono::milliseconds(300));
  EXPECT_EQ(check_service(c, nullptr).code, "LOCALSIGN-TIMEOUT");
}

TEST(LocalSignChecks, TokensSeenByTheComponent) {
  FakeComponent f;
  Client c(f.url());
  auto r = check_tokens(c);
  EXPECT_EQ(r.status, Status::pass) << r.code;
  f.pkcs11info = R"({"ret_code":0,"slots":[{"slotDescription":"Reader A"}]})";
  EXPECT_EQ(check_tokens(c).code, "LOCALSIGN-NO-CARD");
  f.pkcs11info = R"({"ret_code":0,"slots":[]})";
  EXPECT_EQ(check_tokens(c).code, "LOCALSIGN-NO-READER");
}

TEST(LocalSignClient, SignSendsThePackageAsTheSitesPageDoes) {
  FakeComponent f;
  Client c(f.url());
  Secret pin("12+4&6\"");
  SignRequest req;
  req.tbs = "challenge text + more";
  req.nonce = "n0nce";
  req.pin = &pin;
  req.origin = "https://waste.moenv.gov.tw";
  auto r = c.sign(req);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->card_sn, "TP03000001");
  ASSERT_EQ(f.sign_bodies.size(), 1u);
  EXPECT_EQ(f.origins[0], "https://waste.moenv.gov.tw");
  // Form body tbsPackage=<JSON>, '+' escaped as %2B so the component does not read a space.
  const std::string& body = f.sign_bodies[0];
  ASSERT_EQ(body.rfind("tbsPackage=", 0), 0u) << body;
  EXPECT_EQ(body.find('+'), std::string::npos) << body;
  auto pkg = Json::parse(httplib::detail::decode_url(body.substr(11), true));
  EXPECT_EQ(pkg["tbs"], "challenge text + more");
  EXPECT_EQ(pkg["pin"], "12+4&6\"");
  EXPECT_EQ(pkg["signatureType"], "PKCS7");
  EXPECT_EQ(pkg["hashAlgorithm"], "SHA256");
  EXPECT_EQ(pkg["func"], "MakeSignature");
}

TEST(LocalSignClient, UntrustedSiteAnswerIsReadNotHidden) {
  FakeComponent f;
  f.sign_answer = R"({"ret_code":1979711537,"last_error":0})";
  Client c(f.url());
  Secret pin("123456");
  SignRequest req;
  req.tbs = "x";
  req.pin = &pin;
  auto r = c.sign(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ret_code, 0x76000031u);
  EXPECT_EQ(result_for_ret_code(r->ret_code, r->last_error, {"簽章", "Signing"}).code, "LOCALSIGN-SITE-NOT-TRUSTED");
}

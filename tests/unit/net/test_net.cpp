#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "checks/profile/site_profile.h"
#include "checks/core/runner.h"
#include "checks/net/http.h"
#include "checks/net/net_checks.h"
#include "checks/net/proxy.h"
#include "tests/support/server_thread.h"

using namespace certwiz;
using namespace certwiz::net;
namespace fs = std::filesystem;

namespace {

// A test CA and a server certificate for "localhost", made with openssl at test time.
struct TestPki {
  fs::path dir;
  TestPki() {
    dir = fs::temp_directory_path() / ("certwiz-net-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string d = dir.string();
    const std::string cmd =
        "cd '" + d + "' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=CertWiz Net Test CA' 2>/dev/null && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' 2>/dev/null && "
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf && "
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

struct HttpsServer {
  httplib::SSLServer server;
  int port = 0;
  std::optional<certwiz::testing::ServerThread> serving;
  explicit HttpsServer(int status = 200)
      : server(pki().path("server.pem").c_str(), pki().path("server.key").c_str()) {
    server.Get("/", [status](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      // Real web servers send Date (RFC 7231); cpp-httplib does not, so the test does.
      char date[64];
      std::time_t now = std::time(nullptr);
      std::tm tm{};
      gmtime_r(&now, &tm);
      std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      res.set_header("Date", date);
      res.set_content("ok", "text/plain");
    });
    port = server.bind_to_any_port("127.0.0.1");
    serving.emplace(server);
  }
};

int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  // Kept bound and never listening: connecting is refused, and no other test's server
  // running in parallel can take the port (closing it here let one do so, and a server
  // that accepted without answering made a check wait for its whole timeout).
  return ntohs(a.sin_port);
}

// A proxy that refuses every CONNECT with 403, as a company proxy blocking a site does.
struct RefusingProxy {
  int fd = -1, port = 0;
  std::atomic<bool> stop{false};
  std::thread thread;
  RefusingProxy() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 4);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    thread = std::thread([this] {
      while (!stop) {
        int c = accept(fd, nullptr, nullptr);
        if (c < 0) return;
        char buf[2048];
        (void)!read(c, buf, sizeof buf);
        const char* answer = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
        (void)!write(c, answer, std::strlen(answer));
        close(c);
      }
    });
  }
  ~RefusingProxy() {
    stop = true;
    shutdown(fd, SHUT_RDWR);
    close(fd);
    thread.join();
  }
};

// A listening socket on 127.0.0.1 (backlog `backlog`); closed on destruction.
struct Listener {
  int fd = -1, port = 0;
  explicit Listener(int backlog) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, backlog);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { close(fd); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
};

// A plain-HTTP server on 127.0.0.1 that answers every request with `answer` as given
// (then keeps the connection open for `hold`, as a stalled server does), and keeps the
// last request's text: the transport's streaming and resume are checked against exact bytes.
struct CannedServer {
  Listener listener{8};
  int port = listener.port;
  std::string answer;
  std::chrono::milliseconds hold{0};
  std::atomic<bool> stop{false};
  std::string last_request;
  std::mutex m;
  std::thread thread;
  explicit CannedServer(std::string a, std::chrono::milliseconds h = std::chrono::milliseconds(0))
      : answer(std::move(a)), hold(h) {
    thread = std::thread([this] {
      while (!stop) {
        int c = accept(listener.fd, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        const ssize_t n = read(c, buf, sizeof buf);
        {
          std::lock_guard lk(m);
          last_request.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
        }
        (void)!write(c, answer.data(), answer.size());
        for (auto waited = std::chrono::milliseconds(0); waited < hold && !stop; waited += std::chrono::milliseconds(50))
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        close(c);
      }
    });
  }
  ~CannedServer() {
    stop = true;
    shutdown(listener.fd, SHUT_RDWR);
    thread.join();
  }
  std::string request() {
    std::lock_guard lk(m);
    return last_request;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/file"; }
};

// A proxy that accepts connections and reads the request but never answers, as a
// half-dead company proxy does. The kernel accepts for it: nothing is ever read back.
struct SilentProxy {
  Listener listener{16};
  int port = listener.port;
};

// A proxy address where the connection itself never completes (SYNs dropped, as by a
// firewall): a listener with a full accept queue. Linux drops a SYN when the queue is
// full, so connect() waits until its own time limit.
struct BlackHoleProxy {
  Listener listener{0};
  int filler = -1;
  int port = listener.port;
  BlackHoleProxy() {
    filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(filler, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("filler connect");
  }
  ~BlackHoleProxy() { close(filler); }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

SiteProfile site_at(const std::string& host, int port, bool with_ca) {
  std::string json = R"({"name":"test","base_url":"https://)" + host + ":" + std::to_string(port) + R"("})";
  auto p = parse_site_profile(json, "/");
  EXPECT_TRUE(p.ok());
  SiteProfile s = *p;
  if (with_ca) s.tls_ca_files = {pki().path("ca.pem")};
  return s;
}

RunOptions direct() {
  RunOptions o;
  o.proxy = "direct";
  o.probe_timeout = std::chrono::seconds(5);
  return o;
}

// Through the proxy on 127.0.0.1:`port`, with `limit` as the probes' time limit.
RunOptions via_proxy(int port, std::chrono::milliseconds limit) {
  RunOptions o;
  o.proxy = "http://127.0.0.1:" + std::to_string(port);
  o.probe_timeout = limit;
  return o;
}

}  // namespace

TEST(SiteProfile, ParsesShippedDefaultAndRejectsMalformed) {
  auto p = load_site_profile("default");
  ASSERT_TRUE(p.ok()) << p.error().detail;
  EXPECT_FALSE(p->host().empty());
  EXPECT_FALSE(parse_site_profile("{", "/").ok());
  EXPECT_EQ(parse_site_profile("{", "/").error().code, "SITE-PROFILE-MALFORMED");
  EXPECT_EQ(parse_site_profile(R"({"base_url":"ftp://x"})", "/").error().code, "SITE-PROFILE-MALFORMED");
  EXPECT_EQ(parse_site_profile(R"({"base_url":"https://x","endpoints":{"bind":5}})", "/").error().code,
            "SITE-PROFILE-MALFORMED");
  EXPECT_EQ(load_site_profile("/nonexistent/site.json").error().code, "SITE-PROFILE-MISSING");
  auto q = parse_site_profile(R"({"base_url":"https://[::1]:8443/","endpoints":{"bind":"/api/bind"}})", "/");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->host(), "::1");
  EXPECT_EQ(q->port(), 8443);
  EXPECT_EQ(q->url("bind"), "https://[::1]:8443/api/bind");
}

TEST(SiteProfile, ComparesDottedVersions) {
  EXPECT_LT(compare_versions("1.3.4.3", "1.3.4.103328"), 0);
  EXPECT_EQ(compare_versions("1.3.4", "1.3.4.0"), 0);
  EXPECT_GT(compare_versions("1.10", "1.9.9"), 0);
}

TEST(Proxy, ParsesTheGsettingsListing) {
  const std::string listing =
      "org.gnome.system.proxy autoconfig-url ''\n"
      "org.gnome.system.proxy ignore-hosts ['localhost', '127.0.0.0/8', '::1']\n"
      "org.gnome.system.proxy mode 'manual'\n"
      "org.gnome.system.proxy use-same-proxy true\n"
      "org.gnome.system.proxy.http host 'it\\'s.example'\n"
      "org.gnome.system.proxy.http port 8080\n"
      "org.gnome.system.proxy.https host 'proxy.example'\n"
      "org.gnome.system.proxy.https port 3128\n"
      "org.gnome.system.proxy.socks host \"a'b\"\n";
  const auto v = parse_gsettings_listing(listing);
  EXPECT_EQ(v.at("org.gnome.system.proxy autoconfig-url"), "");
  EXPECT_EQ(v.at("org.gnome.system.proxy ignore-hosts"), "localhost,127.0.0.0/8,::1");
  EXPECT_EQ(v.at("org.gnome.system.proxy mode"), "manual");
  EXPECT_EQ(v.at("org.gnome.system.proxy use-same-proxy"), "true");
  EXPECT_EQ(v.at("org.gnome.system.proxy.http host"), "it's.example");
  EXPECT_EQ(v.at("org.gnome.system.proxy.http port"), "8080");
  EXPECT_EQ(v.at("org.gnome.system.proxy.socks host"), "a'b");
  EXPECT_EQ(parse_gsettings_listing("org.gnome.system.proxy ignore-hosts @as []\n").at("org.gnome.system.proxy ignore-hosts"), "");
  EXPECT_EQ(parse_gsettings_listing("org.gnome.system.proxy ignore-hosts []\n").at("org.gnome.system.proxy ignore-hosts"), "");

  const ProxyFacts manual = gsettings_proxy_facts(listing);
  EXPECT_EQ(manual.desktop_mode, "manual");
  ASSERT_EQ(manual.settings.size(), 1u);
  EXPECT_EQ(manual.settings[0].source, "gsettings");
  EXPECT_EQ(manual.settings[0].url, "http://proxy.example:3128");

  const ProxyFacts pac = gsettings_proxy_facts(
      "org.gnome.system.proxy mode 'auto'\norg.gnome.system.proxy autoconfig-url 'http://wpad/wpad.dat'\n");
  EXPECT_EQ(pac.desktop_mode, "auto");
  ASSERT_EQ(pac.settings.size(), 1u);
  EXPECT_EQ(pac.settings[0].source, "gsettings:pac");
  EXPECT_EQ(pac.settings[0].url, "http://wpad/wpad.dat");

  // Missing keys read as empty: no mode, or a manual mode without a host, names no proxy.
  EXPECT_EQ(gsettings_proxy_facts("").desktop_mode, "");
  EXPECT_TRUE(gsettings_proxy_facts("").settings.empty());
  EXPECT_TRUE(gsettings_proxy_facts("org.gnome.system.proxy mode 'manual'\n").settings.empty());
  EXPECT_EQ(gsettings_proxy_facts("org.gnome.system.proxy mode 'none'\n").desktop_mode, "none");
}

TEST(Proxy, NoProxyMatchingFollowsCurlRules) {
  EXPECT_TRUE(no_proxy_matches("localhost,.gov.tw", "waste.moenv.gov.tw"));
  EXPECT_TRUE(no_proxy_matches("gov.tw", "a.gov.tw"));
  EXPECT_FALSE(no_proxy_matches("gov.tw", "notgov.tw"));
  EXPECT_TRUE(no_proxy_matches(" * ", "anything"));
  EXPECT_FALSE(no_proxy_matches("", "x"));
  ProxyFacts env;
  env.settings = {{"env:http_proxy", "http://only-http:3128"}, {"env:https_proxy", "http://p:3128"}};
  EXPECT_EQ(effective_proxy("", "site.gov.tw", env), "http://p:3128");
  env.no_proxy = ".gov.tw";
  EXPECT_EQ(effective_proxy("", "site.gov.tw", env), "");
  EXPECT_EQ(effective_proxy("http://explicit:1", "site.gov.tw", env), "http://explicit:1");
  EXPECT_EQ(effective_proxy("direct", "site.gov.tw", env), "");
}

TEST(Clock, SkewFromDateHeader) {
  EXPECT_EQ(clock_skew_seconds("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 10), 10);
  EXPECT_FALSE(clock_skew_seconds("yesterday", 0).has_value());
  CheckResult site = CheckResult::pass({"", ""});
  site.set_model(SiteTime{"Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 3600});
  auto r = check_clock(&site);
  EXPECT_EQ(r.status, Status::warn);
  EXPECT_EQ(r.code, "NET-CLOCK-SKEW");
  site.set_model(SiteTime{"Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 2});
  EXPECT_EQ(check_clock(&site).status, Status::pass);
  EXPECT_EQ(check_clock(nullptr).status, Status::unknown);
}

TEST(SiteConnection, HealthyServerPassesAndGivesTheDate) {
  HttpsServer server;
  auto r = check_site_connection(direct(), site_at("localhost", server.port, true), CancelToken{});
  EXPECT_EQ(r.status, Status::pass) << r.detail;
  EXPECT_EQ(r.evidence["http_status"], 200);
  ASSERT_TRUE(r.evidence.contains("date_header"));
  EXPECT_EQ(check_clock(&r).status, Status::pass);
}

TEST(SiteConnection, UntrustedCertificateIsATlsVerificationFailure) {
  HttpsServer server;
  auto r = check_site_connection(direct(), site_at("localhost", server.port, false), CancelToken{});
  EXPECT_EQ(r.code, "NET-TLS-VERIFY") << r.detail;
}

TEST(SiteConnection, ClosedPortIsRefused) {
  auto r = check_site_connection(direct(), site_at("127.0.0.1", closed_port(), true), CancelToken{});
  EXPECT_EQ(r.code, "NET-REFUSED") << r.detail;
}

TEST(SiteConnection, UnknownHostIsADnsFailure) {
  auto r = check_site_connection(direct(), site_at("certwiz-lab.invalid", 443, true), CancelToken{});
  EXPECT_EQ(r.code, "NET-DNS-FAILED") << r.detail;
}

TEST(SiteConnection, ServerErrorIsAWarning) {
  HttpsServer server(503);
  auto r = check_site_connection(direct(), site_at("localhost", server.port, true), CancelToken{});
  EXPECT_EQ(r.status, Status::warn);
  EXPECT_EQ(r.code, "NET-HTTP-ERROR");
}

TEST(SiteConnection, ProxyThatRefusesIsAProxyFailure) {
  HttpsServer server;
  RefusingProxy proxy;
  RunOptions o = direct();
  o.proxy = "http://127.0.0.1:" + std::to_string(proxy.port);
  auto site = site_at("localhost", server.port, true);
  auto r = check_site_connection(o, site, CancelToken{});
  EXPECT_EQ(r.code, "NET-PROXY-FAILED") << r.detail;
  EXPECT_EQ(check_proxy(o, &site).status, Status::pass);  // the proxy itself is reachable
}

TEST(SiteConnection, UnreachableProxyIsToldApart) {
  HttpsServer server;
  RunOptions o = direct();
  o.proxy = "http://127.0.0.1:" + std::to_string(closed_port());
  auto site = site_at("localhost", server.port, true);
  EXPECT_EQ(check_proxy(o, &site).code, "NET-PROXY-UNREACHABLE");
  EXPECT_EQ(check_site_connection(o, site, CancelToken{}).code, "NET-PROXY-FAILED");
}

// A proxy that takes the connection and never answers: the site check ends at its own
// time limit (2 s here), blames the proxy, and says it did not answer.
TEST(SiteConnection, SilentProxyFailsAtTheTimeLimitAndIsBlamed) {
  SilentProxy proxy;
  const RunOptions o = via_proxy(proxy.port, std::chrono::seconds(2));
  auto site = site_at("localhost", 443, true);
  EXPECT_EQ(check_proxy(o, &site).status, Status::pass);  // it does accept connections
  const auto t0 = std::chrono::steady_clock::now();
  auto r = check_site_connection(o, site, CancelToken{});
  const double took = seconds_since(t0);
  EXPECT_EQ(r.code, "NET-PROXY-FAILED") << r.detail;
  EXPECT_NE(r.summary.en.find("did not answer within 2 s"), std::string::npos) << r.summary.en;
  EXPECT_EQ(r.evidence["proxy_status"], 0);
  EXPECT_GE(took, 1.9);   // it waited for the limit given ...
  EXPECT_LT(took, 10.0);  // ... and not for curl's or the system's own
}

// A proxy whose address swallows the connection attempt: the proxy check gives up after
// its 3 s connect limit with NET-PROXY-UNREACHABLE, the site check at its own limit.
TEST(SiteConnection, BlackHoleProxyIsUnreachableWithinTheConnectLimit) {
  BlackHoleProxy proxy;
  const RunOptions o = via_proxy(proxy.port, std::chrono::seconds(2));
  auto site = site_at("localhost", 443, true);
  auto t0 = std::chrono::steady_clock::now();
  auto p = check_proxy(o, &site);
  double took = seconds_since(t0);
  EXPECT_EQ(p.code, "NET-PROXY-UNREACHABLE") << p.detail;
  EXPECT_GE(took, 2.9);
  EXPECT_LT(took, 10.0);
  t0 = std::chrono::steady_clock::now();
  auto r = check_site_connection(o, site, CancelToken{});
  took = seconds_since(t0);
  EXPECT_EQ(r.code, "NET-PROXY-FAILED") << r.detail;
  EXPECT_LT(took, 10.0);
}

// The whole run, as `certwiz diagnose` does it, with a proxy that never answers: every
// network check has a result and the run ends within the site check's own time limit.
TEST(SiteConnection, ARunWithASilentProxyCompletes) {
  SilentProxy proxy;
  const fs::path profile = pki().dir / "silent-proxy-site.json";
  {
    std::ofstream out(profile);
    out << R"({"name":"test","base_url":"https://localhost:443"})";
  }
  RunOptions o = via_proxy(proxy.port, std::chrono::seconds(2));
  o.site_profile = profile.string();
  const auto t0 = std::chrono::steady_clock::now();
  auto results = run_checks(network_checks(o), RunnerOptions{});
  const double took = seconds_since(t0);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, Status::pass);  // net.proxy: reachable
  EXPECT_EQ(results[1].code, "NET-PROXY-FAILED") << results[1].detail;
  EXPECT_EQ(results[2].status, Status::skipped);  // net.clock: needs the site's answer
  EXPECT_LT(took, 7.0);  // the site check's limit is probe_timeout + 5 s
}

// Proxy settings often carry a company login; it must not show in a result.
TEST(SiteConnection, ProxyCredentialsNeverReachAResult) {
  SilentProxy proxy;
  RunOptions o = direct();
  o.probe_timeout = std::chrono::seconds(1);
  o.proxy = "http://alice:s3cr3t-pw@127.0.0.1:" + std::to_string(proxy.port);
  auto site = site_at("localhost", 443, true);
  for (const auto& r : {check_proxy(o, &site), check_site_connection(o, site, CancelToken{})}) {
    const std::string all = r.summary.zh_TW + r.summary.en + r.detail + r.evidence.dump();
    EXPECT_EQ(all.find("s3cr3t-pw"), std::string::npos) << all;
    EXPECT_EQ(all.find("alice"), std::string::npos) << all;
    EXPECT_NE(all.find("http://***@127.0.0.1:" + std::to_string(proxy.port)), std::string::npos) << all;
  }
}

TEST(Http, FormEncodingEscapesPlusAndNonAscii) {
  EXPECT_EQ(form_encode("a+b c/中"), "a%2Bb%20c%2F%E4%B8%AD");
}

// The one transport (issue 16): streaming, resume and its verdict, stopping, limits.

TEST(Http, StreamsTheBodyAfterItsHeadAndKeepsNoCopy) {
  const std::string body(100 * 1024, 'x');
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nETag: \"v1\"\r\n\r\n" + body);
  HttpRequest req;
  req.url = server.url();
  std::vector<std::string> order;
  std::string streamed;
  HttpProgress last{};
  req.on_head = [&](const HttpResponse& head) {
    order.push_back("head " + std::to_string(head.status) + " " + head.headers.at("etag"));
    return true;
  };
  req.on_data = [&](std::string_view bytes) {
    if (order.back() != "data") order.push_back("data");
    streamed.append(bytes);
    return true;
  };
  req.on_progress = [&](const HttpProgress& p) { last = p; };
  const HttpResponse r = http_request(req);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(order, (std::vector<std::string>{"head 200 \"v1\"", "data"}));
  EXPECT_EQ(streamed, body);
  EXPECT_TRUE(r.body.empty()) << "a streamed body is not kept as well";
  EXPECT_EQ(r.body_bytes, body.size());
  EXPECT_EQ(last.received, body.size());
  EXPECT_EQ(r.resume, ResumeVerdict::not_asked);
}

TEST(Http, ResumeAsksForTheRestAndSaysWhetherTheServerHonouredIt) {
  HttpRequest req;
  req.resume_from = 5;
  req.if_range = "\"v1\"";
  {
    CannedServer server("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-9/10\r\nContent-Length: 5\r\n\r\n56789");
    req.url = server.url();
    const HttpResponse r = http_request(req);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_NE(server.request().find("Range: bytes=5-"), std::string::npos) << server.request();
    EXPECT_NE(server.request().find("If-Range: \"v1\""), std::string::npos) << server.request();
    EXPECT_EQ(r.resume, ResumeVerdict::honoured);
    EXPECT_EQ(r.body, "56789");
  }
  {
    // Range ignored: 200 and the whole file, which the caller must take from its first byte.
    CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
    req.url = server.url();
    const HttpResponse r = http_request(req);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.resume, ResumeVerdict::whole_body);
    EXPECT_EQ(r.body, "0123456789");
  }
  {
    CannedServer server("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/10\r\nContent-Length: 5\r\n\r\n01234");
    req.url = server.url();
    EXPECT_EQ(http_request(req).resume, ResumeVerdict::other_range);
  }
  {
    CannedServer server("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n");
    req.url = server.url();
    EXPECT_EQ(http_request(req).resume, ResumeVerdict::not_answered);
  }
}

TEST(Http, HeadThatSaysStopKeepsNoBody) {
  CannedServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
  HttpRequest req;
  req.url = server.url();
  bool data_seen = false;
  req.on_head = [](const HttpResponse& head) { return head.status < 400; };
  req.on_data = [&](std::string_view) { return data_seen = true; };
  const HttpResponse r = http_request(req);
  EXPECT_EQ(r.failure, HttpFailure::stopped);
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(data_seen);
}

TEST(Http, BodyCapAppliesToStreamedBodiesToo) {
  CannedServer server("HTTP/1.1 200 OK\r\n\r\n0123456789", std::chrono::milliseconds(0));
  HttpRequest req;
  req.url = server.url();
  req.max_body = 5;
  req.on_data = [](std::string_view) { return true; };
  EXPECT_EQ(http_request(req).failure, HttpFailure::too_large);
}

TEST(Http, StalledServerHitsTheStallLimitNotTheTotalOne) {
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc", std::chrono::seconds(10));
  HttpRequest req;
  req.url = server.url();
  req.timeout = std::chrono::milliseconds(0);
  req.stall_bytes_per_second = 1000;
  req.stall_time = std::chrono::seconds(1);
  const auto t0 = std::chrono::steady_clock::now();
  const HttpResponse r = http_request(req);
  EXPECT_EQ(r.failure, HttpFailure::stalled) << failure_name(r.failure) << " " << r.error;
  EXPECT_LT(seconds_since(t0), 5.0);
}

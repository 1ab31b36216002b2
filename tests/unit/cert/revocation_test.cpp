// Revocation against real responders on loopback: `openssl ocsp` and a CRL web server.
#include <gtest/gtest.h>

#include <cstdlib>

#include "checks/cert/verify.h"
#include "tests/unit/cert/test_pki.h"

namespace certwiz::cert {
namespace {

using namespace testing;

constexpr int kKeyCompromise = 1;

class Revocation : public ::testing::Test {
 protected:
  void SetUp() override {
    // Loopback must never go through a proxy someone has in the environment.
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    TrustStore t;
    ASSERT_TRUE(t.add_pem(root.pem(), true, "root").ok());
    trust = std::make_shared<const TrustStore>(std::move(t));
  }

  Issued leaf(const std::vector<std::string>& ocsp, const std::vector<std::string>& crl) {
    CertSpec s;
    s.subject = {{"C", "TW"}, {"CN", "黃雅婷"}};
    s.key_usage = "critical,digitalSignature";
    s.directory_attributes = {{"2.16.886.1.100.2.51", "0135"}};
    s.ocsp_urls = ocsp;
    s.crl_urls = crl;
    return make_cert(s, &ca);
  }

  RevocationOptions options() const {
    RevocationOptions o;
    o.cache_dir = (dir.path() / "crl-cache").string();
    o.ocsp_timeout = std::chrono::seconds(5);
    o.crl_timeout = std::chrono::seconds(10);
    return o;
  }

  RevocationReport check(const Issued& l, const RevocationOptions& o) {
    return check_revocation({l.der(), ca.der(), root.der()}, *trust, o);
  }

  std::string dead_url() const { return "http://127.0.0.1:" + std::to_string(free_port()) + "/"; }

  TempDir dir;
  Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -100, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  Issued ca = make_cert({{{"C", "TW"}, {"O", "行政院"}, {"OU", "內政部憑證管理中心"}}, -100, 3000, true,
                         "critical,keyCertSign,cRLSign,digitalSignature"}, &root);
  std::shared_ptr<const TrustStore> trust;
};

TEST_F(Revocation, OcspGoodAndRevoked) {
  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const Issued good = leaf({url}, {});
  const Issued revoked = leaf({url}, {});
  const std::time_t when = std::time(nullptr) - 3 * 86400;
  OcspResponder responder(dir.path(), port, ca, ca, {{&good}, {&revoked, true, when, "keyCompromise"}});

  const RevocationReport g = check(good, options());
  EXPECT_EQ(g.state, RevocationState::good) << g.detail();
  EXPECT_EQ(g.method, "ocsp");
  EXPECT_GT(g.next_update, std::time(nullptr));  // -ndays 1

  const RevocationReport r = check(revoked, options());
  EXPECT_EQ(r.state, RevocationState::revoked) << r.detail();
  EXPECT_EQ(r.method, "ocsp");
  EXPECT_EQ(r.reason, "keyCompromise");
  EXPECT_NEAR(static_cast<double>(r.revoked_at), static_cast<double>(when), 1);

  // Through the whole verification: the right codes.
  VerifyOptions vo;
  vo.trust = trust;
  vo.revocation = options();
  const CertReport rep = verify_certificate(revoked.der(), {ca.der()}, vo);
  EXPECT_TRUE(rep.has("CERT-REVOKED"));
  EXPECT_FALSE(rep.accepted());
  EXPECT_EQ(to_json(rep)["revocation"]["reason"], "keyCompromise");
  EXPECT_TRUE(verify_certificate(good.der(), {ca.der()}, vo).accepted());
}

TEST_F(Revocation, OcspAnswerSignedByAStrangerIsNotBelieved) {
  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const Issued revoked = leaf({url}, {});
  const Issued stranger = make_cert({{{"C", "TW"}, {"O", "Stranger"}}, -1, 30, true, "critical,keyCertSign,digitalSignature"}, nullptr);
  // The stranger says "good" for a certificate it has no authority over.
  OcspResponder responder(dir.path(), port, ca, stranger, {{&revoked}});
  const RevocationReport r = check(revoked, options());
  EXPECT_EQ(r.state, RevocationState::unknown) << r.detail();
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_NE(r.attempts[0].outcome.find("does not verify"), std::string::npos) << r.attempts[0].outcome;
}

TEST_F(Revocation, RevokedViaCrlWhenOcspIsDown) {
  WebServer web;
  const Issued l = leaf({dead_url()}, {web.url("/moica.crl")});
  const std::time_t when = std::time(nullptr) - 86400;
  web.put("/moica.crl", make_crl(ca, {{l.serial_hex(), when, kKeyCompromise}}, -1, 24));
  const RevocationReport r = check(l, options());
  EXPECT_EQ(r.state, RevocationState::revoked) << r.detail();
  EXPECT_EQ(r.method, "crl");
  EXPECT_EQ(r.reason, "keyCompromise");
  EXPECT_NEAR(static_cast<double>(r.revoked_at), static_cast<double>(when), 1);
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].method, "ocsp");
  EXPECT_NE(r.attempts[0].outcome.find("unreachable"), std::string::npos);
}

TEST_F(Revocation, ResponderDownAndNoCrlIsUnknownNeverGoodOrRevoked) {
  const Issued l = leaf({dead_url()}, {dead_url() + "x.crl"});
  const RevocationReport r = check(l, options());
  EXPECT_EQ(r.state, RevocationState::unknown);
  EXPECT_TRUE(r.method.empty());
  EXPECT_EQ(r.attempts.size(), 2u);

  const Issued bare = leaf({}, {});
  EXPECT_EQ(check(bare, options()).state, RevocationState::unknown);

  VerifyOptions vo;
  vo.trust = trust;
  vo.revocation = options();
  const CertReport rep = verify_certificate(l.der(), {ca.der()}, vo);
  EXPECT_TRUE(rep.has("CERT-REVOCATION-UNKNOWN"));
  EXPECT_FALSE(rep.has("CERT-REVOKED"));
  EXPECT_EQ(rep.status(), Status::warn);
}

TEST_F(Revocation, CrlIsCachedUntilNextUpdate) {
  WebServer web;
  const Issued l = leaf({}, {web.url("/ca.crl")});
  const Issued other = leaf({}, {web.url("/ca.crl")});
  web.put("/ca.crl", make_crl(ca, {{other.serial_hex(), std::time(nullptr) - 60, -1}}, -1, 24));
  const RevocationReport first = check(l, options());
  EXPECT_EQ(first.state, RevocationState::good) << first.detail();
  EXPECT_EQ(web.requests("/ca.crl"), 1);
  EXPECT_FALSE(first.attempts.at(0).from_cache);

  const RevocationReport second = check(l, options());
  EXPECT_EQ(second.state, RevocationState::good);
  EXPECT_TRUE(second.attempts.at(0).from_cache);
  EXPECT_EQ(web.requests("/ca.crl"), 1);  // no second download

  // The cached list still answers for another certificate, including "revoked".
  const RevocationReport third = check(other, options());
  EXPECT_EQ(third.state, RevocationState::revoked);
  EXPECT_EQ(third.reason, "unspecified");
  EXPECT_EQ(web.requests("/ca.crl"), 1);
  EXPECT_TRUE(std::filesystem::exists(crl_cache_path(options().cache_dir, web.url("/ca.crl"))));
}

TEST_F(Revocation, StaleCrlIsRefreshedAndNeverVouchesForGood) {
  WebServer web;
  const Issued l = leaf({}, {web.url("/ca.crl")});
  // Only an outdated CRL available: no "good" from it.
  web.put("/ca.crl", make_crl(ca, {}, -72, -24));
  const RevocationReport stale = check(l, options());
  EXPECT_EQ(stale.state, RevocationState::unknown) << stale.detail();
  EXPECT_NE(stale.detail().find("outdated"), std::string::npos) << stale.detail();
  EXPECT_EQ(web.requests("/ca.crl"), 1);

  // A fresh one appears: the stale cache entry does not stop the download.
  web.put("/ca.crl", make_crl(ca, {}, -1, 24));
  const RevocationReport fresh = check(l, options());
  EXPECT_EQ(fresh.state, RevocationState::good) << fresh.detail();
  EXPECT_EQ(web.requests("/ca.crl"), 2);

  // Server gone, cache fresh: still answered from the cache.
  const RevocationReport cached = check(l, options());
  EXPECT_EQ(cached.state, RevocationState::good);
  EXPECT_EQ(web.requests("/ca.crl"), 2);
}

TEST_F(Revocation, OutdatedCrlStillShowsARevocation) {
  WebServer web;
  const Issued l = leaf({}, {web.url("/ca.crl")});
  web.put("/ca.crl", make_crl(ca, {{l.serial_hex(), std::time(nullptr) - 5 * 86400, kKeyCompromise}}, -72, -24));
  const RevocationReport r = check(l, options());
  EXPECT_EQ(r.state, RevocationState::revoked);
  EXPECT_NE(r.detail().find("outdated"), std::string::npos);
}

TEST_F(Revocation, CrlFromAnotherCaWithTheSameNameIsRejected) {
  WebServer web;
  const Issued l = leaf({}, {web.url("/ca.crl")});
  // Same DN as our CA, different key: its CRL must not count.
  const Issued twin = make_cert({{{"C", "TW"}, {"O", "行政院"}, {"OU", "內政部憑證管理中心"}}, -100, 3000, true,
                                 "critical,keyCertSign,cRLSign"}, &root);
  web.put("/ca.crl", make_crl(twin, {}, -1, 24));
  const RevocationReport r = check(l, options());
  EXPECT_EQ(r.state, RevocationState::unknown);
  EXPECT_NE(r.detail().find("signature"), std::string::npos) << r.detail();
  EXPECT_FALSE(std::filesystem::exists(crl_cache_path(options().cache_dir, web.url("/ca.crl"))));

  web.put("/ca.crl", "garbage that is not a CRL");
  const RevocationReport g = check(l, options());
  EXPECT_EQ(g.state, RevocationState::unknown);
  EXPECT_NE(g.detail().find("malformed"), std::string::npos) << g.detail();
}

TEST_F(Revocation, OversizedCrlIsRefused) {
  WebServer web;
  const Issued l = leaf({}, {web.url("/big.crl")});
  web.put("/big.crl", std::string(64 * 1024, 'x'));
  RevocationOptions o = options();
  o.max_crl_bytes = 4096;
  const RevocationReport r = check(l, o);
  EXPECT_EQ(r.state, RevocationState::unknown);
  EXPECT_NE(r.detail().find("larger than"), std::string::npos) << r.detail();
}

TEST_F(Revocation, LargeCrlIsStreamedAndFound) {
  // A CRL in the size class of MOICA G2's (tens of thousands of entries here, to keep the test quick).
  WebServer web;
  const Issued l = leaf({}, {web.url("/big.crl")});
  std::vector<RevokedEntry> entries;
  const std::time_t when = std::time(nullptr) - 86400;
  for (long i = 1; i <= 50000; ++i) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%016lX", 0x1000000000L + i * 7);
    entries.push_back({hex, when, kKeyCompromise});
  }
  entries.push_back({l.serial_hex(), when, kKeyCompromise});
  const std::string crl = make_crl(ca, entries, -1, 24);
  EXPECT_GT(crl.size(), 1000000u);
  web.put("/big.crl", crl);
  const auto t0 = std::chrono::steady_clock::now();
  const RevocationReport r = check(l, options());
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.state, RevocationState::revoked);
  RecordProperty("large_crl_bytes", static_cast<int>(crl.size()));
  RecordProperty("large_crl_check_ms", static_cast<int>(ms));
}

}  // namespace
}  // namespace certwiz::cert

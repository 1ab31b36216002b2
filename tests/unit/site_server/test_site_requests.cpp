// Request bodies, cookies, the wire-code table, the rate limit, and the CMS checks
// with a key made here (no lab needed).
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/lab/site/cms_check.h"
#include "tests/lab/site/rate_limiter.h"
#include "tests/lab/site/requests.h"
#include "tests/lab/site/testkit/lab_signer.h"

#ifndef CERTWIZ_SOURCE_DIR
#define CERTWIZ_SOURCE_DIR "."
#endif

namespace certwiz::site_server {
namespace {

TEST(SiteRequests, ChallengeBodies) {
  auto login = parse_challenge_request(R"({"purpose": "login"})");
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login.value->purpose, Purpose::login);
  auto bind = parse_challenge_request(R"({"purpose": "bind", "ubn": "83124560", "control_no": null})");
  ASSERT_TRUE(bind.ok());
  EXPECT_EQ(bind.value->ubn, "83124560");
  EXPECT_EQ(bind.value->control_no, "");
  for (const char* bad : {"", "null", "[]", "{}", R"({"purpose": "pay"})", R"({"purpose": ["bind"]})",
                          R"({"purpose": "bind"})", R"({"purpose": "bind", "ubn": 83124560})"}) {
    auto p = parse_challenge_request(bad);
    EXPECT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.failure.code, "SITE-BODY-MALFORMED") << bad;
    EXPECT_EQ(p.failure.status, 400);
  }
}

TEST(SiteRequests, BindAndLoginBodies) {
  auto b = parse_bind_request(
      R"({"challenge_id": "c_1", "ubn": "83124560", "control_no": "L5600123", "verification_code": "K7QX2MPA", "login_type": "business", "signature": "AAAA"})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value->verification_code, "K7QX2MPA");
  EXPECT_FALSE(parse_bind_request(R"({"challenge_id": "c_1", "ubn": "83124560", "verification_code": "K", "login_type": "x", "signature": "A"})").ok());
  EXPECT_FALSE(parse_bind_request(R"({"challenge_id": "c_1", "ubn": "83124560", "login_type": "citizen", "signature": "A"})").ok());
  std::string long_id = R"({"challenge_id": ")" + std::string(300, 'x') + R"(", "signature": "A"})";
  EXPECT_FALSE(parse_login_request(long_id).ok());
  EXPECT_TRUE(parse_login_request(R"({"challenge_id": "c_1", "signature": "A", "extra": 1})").ok());
  EXPECT_FALSE(parse_login_request(R"({"challenge_id": "c_1", "signature": 1})").ok());
}

TEST(SiteRequests, CookiesAndBearerTokens) {
  EXPECT_EQ(cookie_value("a=1; certwiz_client=xyz; b=2", "certwiz_client"), "xyz");
  EXPECT_EQ(cookie_value("certwiz_clientx=1", "certwiz_client"), "");
  EXPECT_EQ(cookie_value("", "certwiz_client"), "");
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_TRUE(well_formed_token(std::string(43, 'a')));
  EXPECT_FALSE(well_formed_token(std::string(42, 'a')));
  EXPECT_FALSE(well_formed_token(std::string(42, 'a') + ";"));
}

// Every wire code the document lists has a status of its own here (none falls back to 500
// unless it is SITE-INTERNAL) and the status the document gives.
TEST(SiteRequests, EveryWireCodeOfTheDocumentHasItsStatus) {
  std::ifstream in(std::string(CERTWIZ_SOURCE_DIR) + "/docs/site-protocol.md");
  ASSERT_TRUE(in) << "docs/site-protocol.md";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  std::regex with_status(R"(`(SITE-[A-Z-]+)`,? \(?(\d{3}))");
  int checked = 0;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), with_status); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(wire_status((*it)[1].str()), std::stoi((*it)[2].str())) << (*it)[1].str();
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(SiteRateLimit, BucketRefillsOverTime) {
  RateLimiter r(60);  // one per second
  auto t = std::chrono::steady_clock::now();
  for (int i = 0; i < 60; ++i) EXPECT_TRUE(r.allow("a", t));
  EXPECT_FALSE(r.allow("a", t));
  EXPECT_TRUE(r.allow("b", t)) << "clients have their own buckets";
  EXPECT_TRUE(r.allow("a", t + std::chrono::milliseconds(1100)));
  EXPECT_FALSE(r.allow("a", t + std::chrono::milliseconds(1100)));
  RateLimiter none(0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(none.allow("a", t));
}

// A key and a self-signed certificate for CMS tests.
struct TempSigner {
  site_testkit::SignerFiles files;
  TempSigner(const std::string& name) {
    namespace fs = std::filesystem;
    fs::path d = fs::temp_directory_path() / ("certwiz-site-cms-" + std::to_string(getpid()));
    fs::create_directories(d);
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, key, EVP_sha256());
    files.key_pem = (d / (name + ".key")).string();
    files.cert_pem = (d / (name + ".pem")).string();
    FILE* f = fopen(files.key_pem.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    f = fopen(files.cert_pem.c_str(), "w");
    PEM_write_X509(f, x);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
  }
};

std::string code_of(const std::variant<SignedAnswer, WireFailure>& r) {
  return std::holds_alternative<WireFailure>(r) ? std::get<WireFailure>(r).code : "ok";
}

TEST(SiteCms, AcceptsTheProtocolsShapeAndNamesEachDefect) {
  TempSigner a("a"), b("b");
  const std::string tbs = "CertWiz-Challenge v1\npurpose: login\nsite: 127.0.0.1\nnonce: N\nissued: T";
  using site_testkit::CmsShape;
  using site_testkit::sign_cms_base64;
  auto good = check_cms(sign_cms_base64(a.files, tbs, "N"), tbs, "N");
  ASSERT_EQ(code_of(good), "ok");
  EXPECT_FALSE(std::get<SignedAnswer>(good).signer_der.empty());

  CmsShape two;
  two.second_signer = &b.files;
  EXPECT_EQ(code_of(check_cms(sign_cms_base64(a.files, tbs, "N", two), tbs, "N")), "SITE-CMS-SIGNERS");
  CmsShape bare;
  bare.attach_cert = false;
  EXPECT_EQ(code_of(check_cms(sign_cms_base64(a.files, tbs, "N", bare), tbs, "N")), "SITE-CMS-NO-CERT");
  EXPECT_EQ(code_of(check_cms(sign_cms_base64(a.files, tbs + "x", "N"), tbs, "N")), "SITE-CMS-CONTENT-MISMATCH");
  EXPECT_EQ(code_of(check_cms(sign_cms_base64(a.files, tbs, "M"), tbs, "N")), "SITE-CMS-CONTENT-MISMATCH");
  CmsShape detached;
  detached.detached = true;
  EXPECT_EQ(code_of(check_cms(sign_cms_base64(a.files, tbs, "N", detached), tbs, "N")), "SITE-CMS-CONTENT-MISMATCH");
  EXPECT_EQ(code_of(check_cms("", tbs, "N")), "SITE-CMS-MALFORMED");
  EXPECT_EQ(code_of(check_cms("%%%", tbs, "N")), "SITE-CMS-MALFORMED");
  EXPECT_EQ(code_of(check_cms("AAAAAAAA", tbs, "N")), "SITE-CMS-MALFORMED");
}

}  // namespace
}  // namespace certwiz::site_server

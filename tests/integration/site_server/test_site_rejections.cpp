// Every rejection of docs/site-protocol.md, each with its own wire code and status.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <openssl/evp.h>

#include "checks/cert/cert_info.h"
#include "checks/site/protocol.h"

#include "tests/integration/site_server/site_fixture.h"

namespace certwiz::site_testkit {
namespace {

using nlohmann::json;

struct Issued {
  std::string id, tbs, nonce;
};

Issued issued(const Answer& a) {
  EXPECT_EQ(a.status, 200) << a.raw;
  return {a.body.value("challenge_id", ""), a.body.value("tbs", ""), a.body.value("nonce", "")};
}

json login_body(const Issued& c, const std::string& sig) { return {{"challenge_id", c.id}, {"signature", sig}}; }

json bind_body(const Issued& c, const TestAccount& a, const std::string& type, const std::string& sig,
               const std::string& code = {}) {
  return {{"challenge_id", c.id},       {"ubn", a.ubn},
          {"control_no", a.control_no}, {"verification_code", code.empty() ? a.code : code},
          {"login_type", type},         {"signature", sig}};
}

void expect_code(const Answer& a, int status, const std::string& code) {
  EXPECT_EQ(a.status, status) << a.raw;
  EXPECT_EQ(a.error_code(), code) << a.raw;
  // Messages in words (the site's own), not the bare code.
  ASSERT_TRUE(a.body["error"]["message"].is_string() && a.body["error"]["message_zh"].is_string()) << a.raw;
  EXPECT_NE(a.body["error"]["message"].get<std::string>(), code);
  EXPECT_NE(a.body["error"]["message_zh"].get<std::string>(), code);
}

// Login with a card that is not bound anywhere passes steps 1-4 and ends here.
constexpr const char* kNotBound = "SITE-CERT-NOT-BOUND";

TEST_F(SiteTest, ReplayedNonceIsRefused) {
  auto c = client();
  Issued ch = issued(c.challenge_login());
  const std::string sig = sign_cms_base64(card_files("g2-citizen"), ch.tbs, ch.nonce);
  expect_code(c.post_json(kLogin, login_body(ch, sig)), 401, kNotBound);
  expect_code(c.post_json(kLogin, login_body(ch, sig)), 409, "SITE-NONCE-REPLAYED");
}

TEST_F(SiteTest, UnknownChallengeIsRefused) {
  auto c = client();
  issued(c.challenge_login());
  expect_code(c.post_json(kLogin, {{"challenge_id", "c_nothing"}, {"signature", "AAAA"}}), 400, "SITE-NONCE-UNKNOWN");
}

TEST_F(SiteTest, NonceOfAnotherClientIsRefusedAndNotBurnt) {
  auto a = client();
  auto b = client();
  issued(b.challenge_login());  // b has a cookie of its own
  Issued ch = issued(a.challenge_login());
  ASSERT_NE(a.cookies().at("certwiz_client"), b.cookies().at("certwiz_client"));
  const std::string sig = sign_cms_base64(card_files("g2-citizen"), ch.tbs, ch.nonce);
  expect_code(b.post_json(kLogin, login_body(ch, sig)), 403, "SITE-NONCE-WRONG-CLIENT");
  SiteClient no_cookie = client();
  expect_code(no_cookie.post_json(kLogin, login_body(ch, sig)), 403, "SITE-NONCE-WRONG-CLIENT");
  // Its own client can still use it.
  expect_code(a.post_json(kLogin, login_body(ch, sig)), 401, kNotBound);
}

TEST_F(SiteTest, ClientCookieIsSecureHttpOnlyStrict) {
  auto c = client();
  Answer a = c.challenge_login();
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.set_cookie.rfind("certwiz_client=", 0), 0u) << a.set_cookie;
  EXPECT_NE(a.set_cookie.find("; Secure"), std::string::npos);
  EXPECT_NE(a.set_cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(a.set_cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(a.body["expires_in"], 120);
  EXPECT_EQ(a.body["nonce"].get<std::string>().size(), 43u);
  auto parsed = site::parse_tbs(a.body["tbs"].get<std::string>());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->site, "127.0.0.1");
  EXPECT_EQ(parsed->nonce, a.body["nonce"]);
  // The second challenge keeps the same client: no new cookie.
  EXPECT_TRUE(c.challenge_login().set_cookie.empty());
}

TEST_F(SiteTest, ContentDifferingFromTheChallengeIsRefused) {
  auto c = client();
  Issued ch = issued(c.challenge_login());
  expect_code(c.post_json(kLogin, login_body(ch, sign_cms_base64(card_files("business"), ch.tbs + "\nextra: 1", ch.nonce))),
              400, "SITE-CMS-CONTENT-MISMATCH");
  Issued ch2 = issued(c.challenge_login());
  expect_code(c.post_json(kLogin, login_body(ch2, sign_cms_base64(card_files("business"), ch2.tbs, ch.nonce))), 400,
              "SITE-CMS-CONTENT-MISMATCH");  // nonce attribute of another challenge
  Issued ch3 = issued(c.challenge_login());
  CmsShape no_nonce;
  no_nonce.with_nonce = false;
  expect_code(c.post_json(kLogin, login_body(ch3, sign_cms_base64(card_files("business"), ch3.tbs, ch3.nonce, no_nonce))),
              400, "SITE-CMS-CONTENT-MISMATCH");
  Issued ch4 = issued(c.challenge_login());
  CmsShape detached;
  detached.detached = true;
  expect_code(c.post_json(kLogin, login_body(ch4, sign_cms_base64(card_files("business"), ch4.tbs, ch4.nonce, detached))),
              400, "SITE-CMS-CONTENT-MISMATCH");
}

TEST_F(SiteTest, TwoSignersAreRefused) {
  auto c = client();
  Issued ch = issued(c.challenge_login());
  SignerFiles second = card_files("citizen");
  CmsShape two;
  two.second_signer = &second;
  expect_code(c.post_json(kLogin, login_body(ch, sign_cms_base64(card_files("business"), ch.tbs, ch.nonce, two))), 400,
              "SITE-CMS-SIGNERS");
}

TEST_F(SiteTest, CmsWithoutTheLeafCertificateIsRefused) {
  auto c = client();
  Issued ch = issued(c.challenge_login());
  CmsShape bare;
  bare.attach_cert = false;
  expect_code(c.post_json(kLogin, login_body(ch, sign_cms_base64(card_files("business"), ch.tbs, ch.nonce, bare))), 400,
              "SITE-CMS-NO-CERT");
}

TEST_F(SiteTest, GarbledOrForgedCmsIsMalformed) {
  auto c = client();
  Issued ch = issued(c.challenge_login());
  expect_code(c.post_json(kLogin, login_body(ch, "bm90IGEgQ01T")), 400, "SITE-CMS-MALFORMED");
  Issued ch2 = issued(c.challenge_login());
  std::string sig = sign_cms_base64(card_files("business"), ch2.tbs, ch2.nonce);
  // Flip one bit of the RSA signature (the last bytes of the DER): it no longer verifies.
  auto der = cert::decode_base64(sig);
  ASSERT_TRUE(der);
  (*der)[der->size() - 5] ^= 0x01;
  std::string flipped(4 * ((der->size() + 2) / 3) + 1, '\0');
  flipped.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(flipped.data()),
                                                     reinterpret_cast<const unsigned char*>(der->data()),
                                                     static_cast<int>(der->size()))));
  expect_code(c.post_json(kLogin, login_body(ch2, flipped)), 400, "SITE-CMS-MALFORMED");
}

TEST_F(SiteTest, ChallengeOfTheWrongPurposeOrUbnIsRefused) {
  auto c = client();
  const auto& acct = lab_account();
  Issued login_ch = issued(c.challenge_login());
  expect_code(c.post_json(kBind, bind_body(login_ch, acct, "business",
                                           sign_cms_base64(card_files("business"), login_ch.tbs, login_ch.nonce))),
              400, "SITE-CHALLENGE-MISMATCH");
  Issued bind_ch = issued(c.challenge_bind(acct.ubn, acct.control_no));
  expect_code(c.post_json(kLogin, login_body(bind_ch, sign_cms_base64(card_files("business"), bind_ch.tbs, bind_ch.nonce))),
              400, "SITE-CHALLENGE-MISMATCH");
  Issued other_ubn = issued(c.challenge_bind(fresh_ubn(), acct.control_no));
  expect_code(c.post_json(kBind, bind_body(other_ubn, acct, "business",
                                           sign_cms_base64(card_files("business"), other_ubn.tbs, other_ubn.nonce))),
              400, "SITE-CHALLENGE-MISMATCH");
  // The challenge is consumed even though the request failed.
  expect_code(c.post_json(kBind, bind_body(login_ch, acct, "business", "AAAA")), 409, "SITE-NONCE-REPLAYED");
}

TEST_F(SiteTest, UnboundCertificateCannotLogIn) {
  expect_code(client().login(card_files("g2-citizen")), 401, kNotBound);
}

TEST_F(SiteTest, RevokedExpiredAndUnknownCaCardsAreRefused) {
  expect_code(client().login(card_files("revoked")), 403, "SITE-CERT-REVOKED");
  expect_code(client().login(card_files("expired")), 403, "SITE-CERT-EXPIRED");
  expect_code(client().login(card_files("unknown-ca")), 403, "SITE-CERT-UNTRUSTED");
  // The same for a binding attempt.
  const auto& acct = lab_account();
  expect_code(client().bind(card_files("revoked"), "citizen", acct.ubn, acct.control_no, acct.code), 403,
              "SITE-CERT-REVOKED");
}

TEST_F(SiteTest, KeyWithoutDigitalSignatureIsRefused) {
  // The KEYX certificate has keyEncipherment/dataEncipherment only.
  expect_code(client().login(card_files("business", "keyx")), 403, "SITE-CERT-USAGE");
}

TEST_F(SiteTest, BusinessCardOfAnotherCompanyIsAUbnMismatch) {
  TestAccount other = make_account(site(), fresh_ubn(), "F131058274");
  expect_code(client().bind(card_files("business"), "business", other.ubn, other.control_no, other.code), 403,
              "SITE-UBN-MISMATCH");
}

TEST_F(SiteTest, CitizenCardOfAnotherPersonIsAnIdMismatch) {
  TestAccount other = make_account(site(), fresh_ubn(), "B220493112");  // the g2-citizen holder is responsible
  expect_code(client().bind(card_files("citizen"), "citizen", other.ubn, other.control_no, other.code), 403,
              "SITE-ID-MISMATCH");
  // ...and the right person's card binds.
  EXPECT_EQ(client().bind(card_files("g2-citizen"), "citizen", other.ubn, other.control_no, other.code).status, 200);
}

TEST_F(SiteTest, CertificateOfTheOtherKindIsRefused) {
  const auto& acct = lab_account();
  expect_code(client().bind(card_files("business"), "citizen", acct.ubn, acct.control_no, acct.code), 403,
              "SITE-CERT-KIND");
  expect_code(client().bind(card_files("citizen"), "business", acct.ubn, acct.control_no, acct.code), 403,
              "SITE-CERT-KIND");
}

TEST_F(SiteTest, DisabledLoginTypeIsRefused) {
  TestAccount no_citizen = make_account(site(), fresh_ubn(), "F131058274", "disable", "enable");
  expect_code(client().bind(card_files("citizen"), "citizen", no_citizen.ubn, no_citizen.control_no, no_citizen.code),
              403, "SITE-LOGIN-TYPE-DISABLED");
}

// Staff turn the citizen login off after the card was bound: the next login is refused
// with SITE-LOGIN-TYPE-DISABLED, and works again once it is turned back on. A site of the
// test's own, so moving the citizen card to another account touches no other test.
TEST(SiteStaff, LoginTypeDisabledAfterBindingRefusesTheLogin) {
  SiteProcess own(scratch_dir("login-type"));
  auto client = [&] { return SiteClient("127.0.0.1", own.port(), tls_ca_file()); };
  TestAccount a = make_account(own, fresh_ubn(), "F131058274");
  ASSERT_EQ(client().bind(card_files("citizen"), "citizen", a.ubn, a.control_no, a.code).status, 200);
  ASSERT_EQ(client().login(card_files("citizen")).status, 200);
  std::string out;
  auto staff = [&](const std::string& ubn, const char* flag) {
    return run_command({site_binary(), "login-type", "--db", own.db(), "--ubn", ubn, "--type", "citizen", flag}, out);
  };
  ASSERT_EQ(staff(a.ubn, "--disable"), 0) << out;
  Answer refused = client().login(card_files("citizen"));
  EXPECT_EQ(refused.status, 403) << refused.raw;
  EXPECT_EQ(refused.error_code(), "SITE-LOGIN-TYPE-DISABLED") << refused.raw;
  ASSERT_EQ(staff(a.ubn, "--enable"), 0) << out;
  EXPECT_EQ(client().login(card_files("citizen")).status, 200);
  // No such account: the staff command says so (exit 1).
  EXPECT_EQ(staff("00000000", "--disable"), 1) << out;
}

TEST_F(SiteTest, UnknownAccountAndWrongControlNumberAreRefused) {
  const std::string ubn = fresh_ubn();
  expect_code(client().bind(card_files("business"), "business", ubn, "L5600123", "ABCDEFGH"), 404,
              "SITE-ACCOUNT-UNKNOWN");
  // Applied but not approved: still no account.
  ASSERT_EQ(client().post_json(kApply, lab_company_form(ubn, "F131058274", "enable", "enable")).status, 201);
  expect_code(client().bind(card_files("citizen"), "citizen", ubn, "L5600123", "ABCDEFGH"), 404, "SITE-ACCOUNT-UNKNOWN");
  const auto& acct = lab_account();
  expect_code(client().bind(card_files("business"), "business", acct.ubn, "L5600124", acct.code), 400,
              "SITE-CONTROL-NO-MISMATCH");
}

TEST_F(SiteTest, FiveWrongCodesLockUntilANewCodeIsIssued) {
  TestAccount a = make_account(site(), fresh_ubn(), "F131058274");
  std::string wrong = a.code == "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA";
  for (int left = 4; left >= 0; --left) {
    Answer r = client().bind(card_files("citizen"), "citizen", a.ubn, a.control_no, wrong);
    expect_code(r, 401, "SITE-CODE-WRONG");
    EXPECT_EQ(r.body["attempts_left"], left) << r.raw;
  }
  // Locked: even the right code is refused now.
  Answer locked = client().bind(card_files("citizen"), "citizen", a.ubn, a.control_no, a.code);
  expect_code(locked, 429, "SITE-CODE-LOCKED");
  EXPECT_FALSE(locked.body.contains("attempts_left"));
  // Staff issue a new code: it works, the old one does not.
  const std::string fresh = site().approve(a.application);
  if (fresh != a.code)
    expect_code(client().bind(card_files("citizen"), "citizen", a.ubn, a.control_no, a.code), 401, "SITE-CODE-WRONG");
  EXPECT_EQ(client().bind(card_files("citizen"), "citizen", a.ubn, a.control_no, fresh).status, 200);
}

TEST_F(SiteTest, ExpiredVerificationCodeIsRefused) {
  TestAccount a = make_account(site(), fresh_ubn(), "F131058274", "enable", "enable", /*valid_days=*/0);
  expect_code(client().bind(card_files("citizen"), "citizen", a.ubn, a.control_no, a.code), 410, "SITE-CODE-EXPIRED");
}

TEST_F(SiteTest, OversizedBodiesAreRefused) {
  auto c = client();
  issued(c.challenge_login());
  const std::string big = "{\"challenge_id\": \"" + std::string(70 * 1024, 'a') + "\"}";
  for (const char* path : {kLogin, kBind, kChallenge, kApply}) {
    Answer a = c.post(path, big);
    expect_code(a, 413, "SITE-BODY-TOO-LARGE");
  }
  // Just under the limit is read (and refused for its content, not its size).
  const std::string under = "{\"challenge_id\": \"x\", \"signature\": \"" + std::string(60 * 1024, 'A') + "\"}";
  EXPECT_NE(c.post(kLogin, under).status, 413);
}

TEST_F(SiteTest, MalformedBodiesAreRefused) {
  auto c = client();
  issued(c.challenge_login());
  const std::vector<std::pair<const char*, std::string>> cases = {
      {kChallenge, "not json"},
      {kChallenge, "[]"},
      {kChallenge, "{}"},
      {kChallenge, R"({"purpose": "pay"})"},
      {kChallenge, R"({"purpose": 1})"},
      {kChallenge, R"({"purpose": "bind"})"},
      {kChallenge, R"({"purpose": "bind", "ubn": "83124560", "control_no": "L56\n00123"})"},
      {kLogin, "{"},
      {kLogin, R"({"challenge_id": "c_x"})"},
      {kLogin, R"({"challenge_id": 5, "signature": "AAAA"})"},
      {kBind, R"({"challenge_id": "c_x", "ubn": "83124560", "verification_code": "A", "login_type": "citizen"})"},
      {kBind, R"({"challenge_id": "c_x", "ubn": "83124560", "verification_code": "A", "login_type": "gov", "signature": "A"})"},
      {kApply, "\"a string\""},
      {kApply, "{\"ubn\": "},
  };
  for (const auto& [path, body] : cases) {
    SCOPED_TRACE(std::string(path) + " " + body);
    expect_code(c.post(path, body), 400, "SITE-BODY-MALFORMED");
  }
}

// Servers of their own: other options than the suite's.
TEST(SiteOptions, ExpiredNonceIsRefused) {
  SiteProcess site(scratch_dir("short"), {"--challenge-seconds", "1"});
  SiteClient c("127.0.0.1", site.port(), tls_ca_file());
  Issued ch = issued(c.challenge_login());
  EXPECT_EQ(c.challenge_login().body["expires_in"], 1);
  const std::string sig = sign_cms_base64(card_files("g2-citizen"), ch.tbs, ch.nonce);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  expect_code(c.post_json(kLogin, login_body(ch, sig)), 410, "SITE-NONCE-EXPIRED");
  expect_code(c.post_json(kLogin, login_body(ch, sig)), 409, "SITE-NONCE-REPLAYED");
}

TEST(SiteOptions, CertificateWithoutAnAcceptedPolicyIsRefused) {
  SiteProcess site(scratch_dir("policy"), {"--policy", "1.2.3.4"});
  SiteClient c("127.0.0.1", site.port(), tls_ca_file());
  expect_code(c.login(card_files("business")), 403, "SITE-CERT-POLICY");
}

TEST(SiteOptions, NoRevocationAnswerFailsClosed) {
  SiteProcess site(scratch_dir("norev"), {"--ocsp-url", "http://127.0.0.1:9/", "--crl-url", "http://127.0.0.1:9/x.crl"});
  SiteClient c("127.0.0.1", site.port(), tls_ca_file());
  expect_code(c.login(card_files("business")), 503, "SITE-CERT-REVOCATION-UNKNOWN");
}

TEST(SiteOptions, TooManyRequestsFromOneClientAreRateLimited) {
  SiteProcess site(scratch_dir("rate"), {"--rate-limit", "5"});
  SiteClient c("127.0.0.1", site.port(), tls_ca_file());
  Answer first = c.challenge_login();
  ASSERT_EQ(first.status, 200);
  int limited = 0;
  for (int i = 0; i < 8; ++i) limited += c.challenge_login().error_code() == "SITE-RATE-LIMITED";
  EXPECT_GE(limited, 3);
  expect_code(c.challenge_login(), 429, "SITE-RATE-LIMITED");
  // A client at another address has its own budget; a new client at the same address
  // does not (the limit follows the address, not the cookie the client chooses).
  SiteClient same_address("127.0.0.1", site.port(), tls_ca_file());
  expect_code(same_address.challenge_login(), 429, "SITE-RATE-LIMITED");
  SiteClient other("127.0.0.1", site.port(), tls_ca_file());
  other.set_source_address("127.0.0.3");
  EXPECT_EQ(other.challenge_login().status, 200);
}

}  // namespace
}  // namespace certwiz::site_testkit

// The protocol end to end: lookup, application, approval, binding, login, session,
// logout; the citizen card bound through the responsible person's ID; and the lab's
// own site service on 8443.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "tests/integration/site_server/site_fixture.h"
#include "checks/profile/site_profile.h"
#include "tests/lab/site/sqlite_db.h"

namespace certwiz::site_testkit {
namespace {

TEST_F(SiteTest, LookupFindsTheLabCompanyAndRejectsBadUbns) {
  auto c = client();
  Answer a = c.get(std::string(kLookup) + "?ubn=83124560");
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["name"], identity("business")["company_name"]);
  EXPECT_EQ(a.body["owner"], "陳志明");
  EXPECT_EQ(a.body["address"], "臺中市西屯區臺灣大道三段99號8樓");
  Answer bad = c.get(std::string(kLookup) + "?ubn=83124561");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "SITE-UBN-INVALID");
  Answer missing = c.get(std::string(kLookup) + "?ubn=" + fresh_ubn());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "SITE-COMPANY-NOT-FOUND");
}

// Every answer carries a current Date header, as a real web server's does: CertWiz's
// clock check compares the computer's time with it. Answers made by the handlers, the
// rejections, and those httplib makes itself (an unknown path).
TEST_F(SiteTest, EveryAnswerCarriesTheDate) {
  auto c = client();
  for (const std::string& path : {std::string(kLookup) + "?ubn=83124560", std::string(kLookup) + "?ubn=1",
                                  std::string("/no/such/path")}) {
    Answer a = c.get(path);
    ASSERT_NE(a.status, 0) << path;
    std::tm tm{};
    const char* end = strptime(a.date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    ASSERT_TRUE(end && *end == '\0') << path << ": Date '" << a.date << "'";
    EXPECT_LE(std::labs(static_cast<long>(timegm(&tm) - std::time(nullptr))), 5L) << path << ": " << a.date;
  }
}

TEST_F(SiteTest, ApplicationUsesTheFormRulesAndStoresOnlyAPasswordHash) {
  auto c = client();
  auto form = lab_company_form("83124561", "F131058275", "enable", "enable");  // bad UBN and ID checksums
  form["email"] = "not-an-email";
  Answer a = c.post_json(kApply, form);
  ASSERT_EQ(a.status, 422) << a.raw;
  EXPECT_EQ(a.error_code(), "SITE-FORM-INVALID");
  std::set<std::string> fields;
  for (const auto& f : a.body["fields"]) fields.insert(f["field"].get<std::string>() + "/" + f["code"].get<std::string>());
  EXPECT_TRUE(fields.count("ubn/FORM-UBN-CHECKSUM")) << a.raw;
  EXPECT_TRUE(fields.count("owner_id/FORM-ID-CHECKSUM")) << a.raw;
  EXPECT_TRUE(fields.count("email/FORM-EMAIL-FORMAT")) << a.raw;

  const std::string ubn = fresh_ubn();
  Answer ok = c.post_json(kApply, lab_company_form(ubn, "B220493112", "enable", "disable"));
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(ok.body["application"]["status"], "pending");
  const std::string id = ok.body["application"]["id"].get<std::string>();
  EXPECT_EQ(id.substr(0, 4), "APP-");
  Answer again = c.post_json(kApply, lab_company_form(ubn, "B220493112", "enable", "disable"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "SITE-ACCOUNT-EXISTS");
  // Still refused once approved (an account exists then).
  site().approve(id);
  EXPECT_EQ(c.post_json(kApply, lab_company_form(ubn, "B220493112", "enable", "disable")).error_code(),
            "SITE-ACCOUNT-EXISTS");

  site_server::Database db(site().db());
  auto s = db.prepare("SELECT password_hash, form_json FROM applications WHERE ubn = ?");
  s.bind(1, ubn);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_text(0).rfind("pbkdf2-sha256$120000$", 0), 0u);
  EXPECT_EQ(s.column_text(0).find("Qz7#kLm2pX!w"), std::string::npos);
  EXPECT_EQ(s.column_text(1).find("Qz7#kLm2pX!w"), std::string::npos);
}

TEST_F(SiteTest, BusinessCardBindLoginSessionLogout) {
  auto c = client();
  const auto& acct = lab_account();
  Answer bound = c.bind(card_files("business"), "business", acct.ubn, acct.control_no, acct.code);
  ASSERT_EQ(bound.status, 200) << bound.raw;
  EXPECT_EQ(bound.body["bound"], true);
  EXPECT_EQ(bound.body["login_type"], "business");
  EXPECT_EQ(bound.body["message"], "綁定成功");
  EXPECT_EQ(bound.body["certificate"]["serial"], lab_card("business")["sign_serial"]);
  EXPECT_EQ(bound.body["certificate"]["fingerprint_sha256"].get<std::string>().size(), 64u);
  EXPECT_NE(bound.body["certificate"]["subject"].get<std::string>().find("83124560"), std::string::npos);

  SiteClient fresh = client();  // a new browser: logs in with the card alone
  Answer in = fresh.login(card_files("business"));
  ASSERT_EQ(in.status, 200) << in.raw;
  EXPECT_EQ(in.body["login_type"], "business");
  EXPECT_EQ(in.body["account"]["ubn"], "83124560");
  EXPECT_EQ(in.body["session"]["expires_in"], 1800);
  const std::string token = in.body["session"]["token"].get<std::string>();
  EXPECT_NE(in.set_cookie.find("certwiz_session=" + token), std::string::npos);
  EXPECT_NE(in.set_cookie.find("Secure"), std::string::npos);
  EXPECT_NE(in.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(in.set_cookie.find("SameSite=Strict"), std::string::npos);

  SiteClient by_bearer = client();
  Answer who = by_bearer.get(kSession, token);
  ASSERT_EQ(who.status, 200) << who.raw;
  EXPECT_EQ(who.body["account"]["ubn"], "83124560");
  EXPECT_EQ(who.body["login_type"], "business");
  Answer by_cookie = fresh.get(kSession);  // the cookie the login set
  EXPECT_EQ(by_cookie.status, 200) << by_cookie.raw;

  Answer out = fresh.post(kLogout, "{}");
  ASSERT_EQ(out.status, 200) << out.raw;
  EXPECT_EQ(out.body["logged_out"], true);
  Answer after = by_bearer.get(kSession, token);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.error_code(), "SITE-SESSION-INVALID");
  EXPECT_EQ(by_bearer.post(kLogout, "{}", token).error_code(), "SITE-SESSION-INVALID");
  EXPECT_EQ(client().get(kSession).error_code(), "SITE-SESSION-INVALID");

  site_server::Database db(site().db());
  auto s = db.prepare("SELECT issuer, serial, fingerprint FROM bindings WHERE login_type = 'business'");
  ASSERT_TRUE(s.step());
  EXPECT_NE(s.column_text(0).find("工商憑證管理中心"), std::string::npos);
  EXPECT_EQ(s.column_text(1), bound.body["certificate"]["serial"].get<std::string>());
  EXPECT_EQ(s.column_text(2), bound.body["certificate"]["fingerprint_sha256"].get<std::string>());
  auto t = db.prepare("SELECT count(*) FROM sessions WHERE token_hash = ?");
  t.bind(1, token);
  t.step();
  EXPECT_EQ(t.column_int(0), 0) << "session tokens are stored hashed";
}

TEST_F(SiteTest, CitizenCardBindsThroughTheResponsiblePersonsId) {
  auto c = client();
  const auto& acct = lab_account();
  Answer bound = c.bind(card_files("citizen"), "citizen", acct.ubn, acct.control_no, acct.code);
  ASSERT_EQ(bound.status, 200) << bound.raw;
  EXPECT_EQ(bound.body["login_type"], "citizen");
  Answer in = client().login(card_files("citizen"));
  ASSERT_EQ(in.status, 200) << in.raw;
  EXPECT_EQ(in.body["login_type"], "citizen");
  EXPECT_EQ(in.body["account"]["ubn"], "83124560");
  // Binding again replaces the binding (one per login type).
  Answer again = c.bind(card_files("citizen"), "citizen", acct.ubn, acct.control_no, acct.code);
  ASSERT_EQ(again.status, 200) << again.raw;
  site_server::Database db(site().db());
  auto s = db.prepare("SELECT count(*) FROM bindings WHERE login_type = 'citizen'");
  s.step();
  EXPECT_EQ(s.column_int(0), 1);
}

// The lab's own service: what the client and the README's main job talk to.
TEST(LabSiteService, ServesTheProtocolOnPort8443WithItsOwnDatabase) {
  const std::string url = lab_env("CERTWIZ_LAB_SITE_URL");
  ASSERT_EQ(url, "https://127.0.0.1:8443");
  // The lab's site profile: what the client loads to reach this site.
  auto profile = load_site_profile(lab_env("CERTWIZ_LAB_SITE_PROFILE"));
  ASSERT_TRUE(profile.ok()) << profile.error().code << " " << profile.error().detail;
  EXPECT_EQ(profile->base_url, url);
  EXPECT_EQ(profile->host(), "127.0.0.1");
  EXPECT_EQ(profile->port(), 8443);
  EXPECT_EQ(profile->trusted_domain, "127.0.0.1");
  ASSERT_EQ(profile->tls_ca_files.size(), 1u);
  EXPECT_EQ(profile->tls_ca_files[0], lab_env("CERTWIZ_LAB_TLS_CA"));
  EXPECT_EQ(profile->url("login"), url + kLogin);
  EXPECT_EQ(profile->login_trust_anchors.size(), 4u);
  SiteClient c("127.0.0.1", 8443, lab_env("CERTWIZ_LAB_TLS_CA"));
  Answer look = c.get(std::string(kLookup) + "?ubn=83124560");
  ASSERT_EQ(look.status, 200) << look.raw;
  EXPECT_EQ(look.body["name"], identity("business")["company_name"]);
  // A company of its own (fresh UBN) whose responsible person holds the g2-citizen
  // card, so other tests' bindings on the shared site are left alone.
  const std::string ubn = fresh_ubn();
  Answer a = c.post_json(kApply, lab_company_form(ubn, identity("g2-citizen")["national_id"], "enable", "disable"));
  ASSERT_EQ(a.status, 201) << a.raw;
  std::string out;
  ASSERT_EQ(run_command({site_binary(), "approve", "--db", lab_env("CERTWIZ_LAB_SITE_DB"),
                         a.body["application"]["id"].get<std::string>()},
                        out),
            0)
      << out;
  const std::string code = out.substr(out.find("verification code: ") + 19, 8);
  Answer bound = c.bind(card_files("g2-citizen"), "citizen", ubn, "L5600123", code);
  ASSERT_EQ(bound.status, 200) << bound.raw;
  Answer in = SiteClient("127.0.0.1", 8443, lab_env("CERTWIZ_LAB_TLS_CA")).login(card_files("g2-citizen"));
  ASSERT_EQ(in.status, 200) << in.raw;
  EXPECT_EQ(in.body["account"]["ubn"], ubn);
}

}  // namespace
}  // namespace certwiz::site_testkit

// The reference site resists abuse (issue 15 items 6-8): the rate limit follows the
// client's address (and the account for bindings), not a cookie the client picks;
// expired challenges, sessions and code events are deleted; junk signatures cannot
// spend a company's verification-code tries.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/site_server/site_fixture.h"
#include "tests/lab/site/site_store.h"
#include "tests/lab/site/sqlite_db.h"
#include "tests/lab/site/wire.h"

namespace certwiz::site_testkit {
namespace {

TEST(SiteAbuse, AMadeUpCookieOnEveryRequestIsStillLimited) {
  SiteProcess site(scratch_dir("cookie-rate"), {"--rate-limit", "5"});
  SiteClient c("127.0.0.1", site.port(), tls_ca_file());
  int limited = 0;
  for (int i = 0; i < 12; ++i) {
    c.cookies()["certwiz_client"] = site_server::random_token();  // a fresh, well-formed client id each time
    limited += c.challenge_login().error_code() == "SITE-RATE-LIMITED";
  }
  EXPECT_GE(limited, 6) << "12 requests from one address with a budget of 5";
  // Another address has its own budget.
  SiteClient other("127.0.0.1", site.port(), tls_ca_file());
  other.set_source_address("127.0.0.2");
  Answer a = other.challenge_login();
  EXPECT_EQ(a.status, 200) << a.raw;
}

TEST(SiteAbuse, BindingsOfOneAccountAreLimitedWhateverTheAddress) {
  SiteProcess site(scratch_dir("ubn-rate"), {"--rate-limit", "5"});
  TestAccount acct = make_account(site, fresh_ubn(), "F131058274");
  int limited = 0;
  for (int i = 0; i < 10; ++i) {  // one bind attempt from each of ten addresses
    SiteClient c("127.0.0.1", site.port(), tls_ca_file());
    c.set_source_address("127.0.1." + std::to_string(i + 1));
    Answer a = c.bind(card_files("unknown-ca"), "citizen", acct.ubn, acct.control_no, acct.code);
    ASSERT_NE(a.status, 0);
    limited += a.error_code() == "SITE-RATE-LIMITED";
  }
  EXPECT_GE(limited, 4) << "ten bindings for one UBN with a budget of 5";
}

TEST(SiteAbuse, JunkSignaturesDoNotSpendTheCompanysCodeTries) {
  SiteProcess site(scratch_dir("junk-lock"));
  TestAccount acct = make_account(site, fresh_ubn(), "F131058274");
  const std::string wrong = acct.code == "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA";
  // An attacker who knows the UBN and control number, with wrong codes: garbage, and a
  // well-formed signature from a certificate that does not chain.
  for (int i = 0; i < 8; ++i) {
    SiteClient c("127.0.0.1", site.port(), tls_ca_file());
    Answer a;
    if (i % 2 == 0) {
      Answer ch = c.challenge_bind(acct.ubn, acct.control_no);
      ASSERT_EQ(ch.status, 200) << ch.raw;
      a = c.post_json(kBind, {{"challenge_id", ch.body["challenge_id"]},
                              {"ubn", acct.ubn},
                              {"control_no", acct.control_no},
                              {"verification_code", wrong},
                              {"login_type", "citizen"},
                              {"signature", "bm90IGEgc2lnbmF0dXJl"}});
      EXPECT_EQ(a.error_code(), "SITE-CMS-MALFORMED") << a.raw;
    } else {
      a = c.bind(card_files("unknown-ca"), "citizen", acct.ubn, acct.control_no, wrong);
      EXPECT_EQ(a.error_code(), "SITE-CERT-UNTRUSTED") << a.raw;
    }
  }
  // A wrong code with a good signature still counts...
  Answer counted = SiteClient("127.0.0.1", site.port(), tls_ca_file())
                       .bind(card_files("citizen"), "citizen", acct.ubn, acct.control_no, wrong);
  EXPECT_EQ(counted.error_code(), "SITE-CODE-WRONG") << counted.raw;
  EXPECT_EQ(counted.body["attempts_left"], 4) << counted.raw;
  // ...and the company's own binding still works.
  Answer bound = SiteClient("127.0.0.1", site.port(), tls_ca_file())
                     .bind(card_files("citizen"), "citizen", acct.ubn, acct.control_no, acct.code);
  EXPECT_EQ(bound.status, 200) << bound.raw;
}

TEST(SiteAbuse, TablesStayBoundedOverManyLogins) {
  // Challenges and sessions live 4 s (a loaded machine must still answer within their life).
  SiteProcess site(scratch_dir("bounded"), {"--challenge-seconds", "4", "--session-seconds", "4", "--retain-seconds",
                                            "0", "--prune-interval", "1", "--rate-limit", "0"});
  TestAccount acct = make_account(site, fresh_ubn(), "F131058274");
  SiteClient c("127.0.0.1", site.port(), tls_ca_file());
  ASSERT_EQ(c.bind(card_files("citizen"), "citizen", acct.ubn, acct.control_no, acct.code).status, 200);
  constexpr int kLogins = 120, kAbandoned = 100, kBinds = 10;
  site_server::TableSizes peak;
  for (int i = 0; i < kLogins; ++i) {
    Answer in = c.login(card_files("citizen"));
    ASSERT_EQ(in.status, 200) << in.raw;
    ASSERT_EQ(c.post_json(kLogout, nlohmann::json::object(), in.body["session"]["token"].get<std::string>()).status, 200);
  }
  for (int i = 0; i < kAbandoned; ++i) ASSERT_EQ(c.challenge_login().status, 200);
  for (int i = 0; i < kBinds; ++i)
    ASSERT_EQ(c.bind(card_files("citizen"), "citizen", acct.ubn, acct.control_no, acct.code).status, 200);
  {
    site_server::Database db(site.db());
    peak = site_server::table_sizes(db);
  }
  // Everything above has expired 4 s later; the next request sweeps.
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  ASSERT_EQ(c.challenge_login().status, 200);
  site_server::Database db(site.db());
  const site_server::TableSizes after = site_server::table_sizes(db);
  std::printf("rows before the sweep: %lld challenges, %lld sessions, %lld code events; after: %lld, %lld, %lld\n",
              static_cast<long long>(peak.challenges), static_cast<long long>(peak.sessions),
              static_cast<long long>(peak.code_events), static_cast<long long>(after.challenges),
              static_cast<long long>(after.sessions), static_cast<long long>(after.code_events));
  // Left: the challenge the citizen binding was made with, and the one just issued.
  EXPECT_LE(after.challenges, 2);
  EXPECT_EQ(after.sessions, 0);
  EXPECT_EQ(after.code_events, 0);
  EXPECT_EQ(c.login(card_files("citizen")).status, 200) << "the binding survives the sweep";
}

}  // namespace
}  // namespace certwiz::site_testkit

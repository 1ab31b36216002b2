// SIGKILL in the middle of bindings: after every kill the database passes SQLite's
// integrity check and the site's invariants, and the restarted server serves again.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <random>
#include <thread>

#include "tests/integration/site_server/site_fixture.h"
#include "tests/lab/site/sqlite_db.h"

namespace certwiz::site_testkit {
namespace {

int64_t count(site_server::Database& db, const std::string& sql) {
  auto s = db.prepare(sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.column_int(0);
}

void check_consistent(const std::string& path) {
  site_server::Database db(path);
  auto ic = db.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(ic.step());
  EXPECT_EQ(ic.column_text(0), "ok");
  auto fk = db.prepare("PRAGMA foreign_key_check");
  EXPECT_FALSE(fk.step()) << "a row refers to a missing parent";
  // No binding without its account, or without the used bind challenge it answered.
  EXPECT_EQ(count(db, "SELECT count(*) FROM bindings WHERE account_id NOT IN (SELECT id FROM accounts)"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM bindings b LEFT JOIN challenges c ON c.id = b.challenge_id "
                      "WHERE c.id IS NULL OR c.used_at IS NULL OR c.purpose != 'bind'"),
            0);
  // No challenge both unconsumed and used (by a binding, a code attempt or a session).
  EXPECT_EQ(count(db, "SELECT count(*) FROM code_events e JOIN challenges c ON c.id = e.challenge_id "
                      "WHERE c.used_at IS NULL"),
            0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM sessions s JOIN challenges c ON c.id = s.challenge_id "
                      "WHERE c.used_at IS NULL"),
            0);
  // The wrong-code counter equals the wrong attempts recorded for the current code.
  EXPECT_EQ(count(db, "SELECT count(*) FROM verification_codes v WHERE failed_attempts != "
                      "(SELECT count(*) FROM code_events e WHERE e.account_id = v.account_id "
                      "AND e.generation = v.generation AND e.outcome = 'wrong')"),
            0);
  // One binding per account and login type, each certificate bound once.
  EXPECT_EQ(count(db, "SELECT count(*) FROM (SELECT account_id, login_type FROM bindings "
                      "GROUP BY account_id, login_type HAVING count(*) > 1)"),
            0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM accounts a JOIN applications p ON p.id = a.application_id "
                      "WHERE p.status != 'approved'"),
            0);
}

TEST(SiteKill, SigkillDuringBindingsLeavesTheDatabaseConsistent) {
  const std::string dir = scratch_dir("kill");
  auto site = std::make_unique<SiteProcess>(dir);
  const TestAccount acct = make_account(*site, "83124560", "F131058274");
  std::mt19937 rng(std::random_device{}());
  int total_bound = 0;
  int wrong_sent = 0;
  constexpr int kIterations = 6;
  for (int iter = 0; iter < kIterations; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    std::atomic<bool> stop{false};
    std::atomic<int> bound{0};
    // Two clients binding in a loop (one of them also sends a few wrong codes), so a
    // kill lands in the middle of requests at different steps.
    auto worker = [&](int which) {
      SiteClient c("127.0.0.1", site->port(), tls_ca_file());
      for (int i = 0; !stop; ++i) {
        const bool citizen = (i + which) % 2 == 0;
        std::string code = acct.code;
        if (which == 1 && i % 7 == 3 && wrong_sent < 3) {  // stays below the lock
          ++wrong_sent;
          code = acct.code == "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA";
        }
        Answer a = c.bind(card_files(citizen ? "citizen" : "business"), citizen ? "citizen" : "business", acct.ubn,
                          acct.control_no, code);
        if (a.status == 0) return;  // the server is gone
        if (a.status == 200) ++bound;
      }
    };
    std::thread t0(worker, 0), t1(worker, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 900)(rng)));
    site->kill_hard();
    stop = true;
    t0.join();
    t1.join();
    total_bound += bound;
    check_consistent(site->db());
    // Restart on the same database: it serves again, and bindings still work.
    site = std::make_unique<SiteProcess>(dir, std::vector<std::string>{}, /*fresh_db=*/false);
    SiteClient c("127.0.0.1", site->port(), tls_ca_file());
    ASSERT_EQ(c.get(std::string(kLookup) + "?ubn=83124560").status, 200);
    Answer a = c.bind(card_files("business"), "business", acct.ubn, acct.control_no, acct.code);
    ASSERT_EQ(a.status, 200) << a.raw;
  }
  std::printf("SIGKILL test: %d iterations, %d bindings completed between kills\n", kIterations, total_bound);
  EXPECT_GT(total_bound, 0) << "the kills must land while bindings are happening";
  check_consistent(site->db());
  Answer in = SiteClient("127.0.0.1", site->port(), tls_ca_file()).login(card_files("citizen"));
  EXPECT_EQ(in.status, 200) << in.raw;
}

// SIGTERM the moment the site has said it listens (the lab and the tests stop it so):
// it must end cleanly at once every time, also when the signal lands before its
// accept loop runs (cpp-httplib's stop() does nothing then, and the site served on
// until the SIGKILL three seconds later).
TEST(SiteKill, SigtermRightAfterStartEndsTheSiteCleanly) {
  constexpr int kStarts = 12;
  int clean = 0;
  for (int i = 0; i < kStarts; ++i) {
    SiteProcess site(scratch_dir("term-" + std::to_string(i)));
    if (site.stop(std::chrono::seconds(2))) ++clean;
  }
  EXPECT_EQ(clean, kStarts);
}

}  // namespace
}  // namespace certwiz::site_testkit

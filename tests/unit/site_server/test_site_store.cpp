// The store's state changes: application → account with a hashed code, challenges
// consumed once, wrong codes counted and locking, bindings replaced, sessions ended.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/lab/site/password_hash.h"
#include "tests/lab/site/site_store.h"

namespace certwiz::site_server {
namespace {
namespace fs = std::filesystem;

class Store : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::path d = fs::temp_directory_path() / ("certwiz-site-store-" + std::to_string(getpid()));
    fs::create_directories(d);
    path_ = (d / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".db")).string();
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(path_ + s);
    db_ = std::make_unique<Database>(path_);
    migrate(*db_, site_migrations());
  }
  Database& db() { return *db_; }

  Approval approved(const std::string& ubn = "83124560", int days = 14) {
    Application f;
    f.ubn = ubn;
    f.control_no = "L5600123";
    f.company_name = "綠源環保科技股份有限公司";
    f.owner_name = "陳志明";
    f.owner_id = "F131058274";
    f.citizen_cert_login = true;
    f.business_cert_login = true;
    auto made = create_application(db(), f, hash_secret("pw", 1000), 1000);
    EXPECT_TRUE(std::holds_alternative<int64_t>(made));
    return approve_application(db(), std::get<int64_t>(made), days, 1000);
  }

  std::string challenge(const std::string& purpose, const std::string& client, int64_t expires = 5000) {
    ChallengeRow c;
    c.id = "c_" + std::to_string(++n_);
    c.client_id = client;
    c.purpose = purpose;
    c.ubn = "83124560";
    c.control_no = "L5600123";
    c.nonce = "n" + std::to_string(n_);
    c.tbs = "tbs";
    c.issued_at = 1000;
    c.expires_at = expires;
    insert_challenge(db(), c);
    return c.id;
  }

  std::string bind_code(const std::string& code, std::string client = "A", int* attempts_left = nullptr) {
    BindRequest r{challenge("bind", "A"), "83124560", "L5600123", code, "citizen", "sig"};
    ChallengeRow row;
    auto got = begin_bind(db(), r, client, 2000, row);
    if (auto* f = std::get_if<WireFailure>(&got)) {
      if (attempts_left) *attempts_left = f->attempts_left;
      return f->code;
    }
    // (the site checks the signature here, before the code)
    auto wrong = check_verification_code(db(), std::get<BindAccount>(got).account.id, code, row.id, 2000);
    if (wrong) {
      if (attempts_left) *attempts_left = wrong->attempts_left;
      return wrong->code;
    }
    return "ok";
  }

  std::string path_;
  std::unique_ptr<Database> db_;
  int n_ = 0;
};

TEST_F(Store, ApplicationLabelsRoundTrip) {
  EXPECT_EQ(application_label(1), "APP-000001");
  EXPECT_EQ(parse_application_label("APP-000042"), 42);
  EXPECT_FALSE(parse_application_label("APP-"));
  EXPECT_FALSE(parse_application_label("app-000001"));
  EXPECT_FALSE(parse_application_label("APP-12x"));
}

TEST_F(Store, ApprovalCreatesTheAccountAndStoresOnlyTheCodesHash) {
  Approval a = approved();
  EXPECT_TRUE(a.new_account);
  EXPECT_EQ(a.expires_at, 1000 + 14 * 86400);
  auto s = db().prepare("SELECT code_hash, failed_attempts, generation FROM verification_codes");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_text(0).find(a.code), std::string::npos);
  EXPECT_TRUE(verify_secret(a.code, s.column_text(0)));
  EXPECT_EQ(s.column_int(1), 0);
  EXPECT_EQ(s.column_int(2), 1);
  EXPECT_EQ(bind_code(a.code), "ok");
}

TEST_F(Store, FiveWrongCodesLockAndANewCodeUnlocks) {
  Approval a = approved();
  const std::string wrong = a.code == "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA";
  for (int expected_left = 4; expected_left >= 0; --expected_left) {
    int left = -2;
    EXPECT_EQ(bind_code(wrong, "A", &left), "SITE-CODE-WRONG");
    EXPECT_EQ(left, expected_left);
  }
  EXPECT_EQ(bind_code(a.code), "SITE-CODE-LOCKED");
  Approval again = approve_application(db(), 1, 14, 3000);
  EXPECT_FALSE(again.new_account);
  EXPECT_EQ(bind_code(again.code), "ok");
  auto s = db().prepare("SELECT generation, failed_attempts FROM verification_codes");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_int(0), 2);
  EXPECT_EQ(s.column_int(1), 0);
}

TEST_F(Store, ExpiredCodeIsRefused) {
  Approval a = approved("83124560", 0);
  EXPECT_EQ(bind_code(a.code), "SITE-CODE-EXPIRED");
}

TEST_F(Store, AChallengeIsConsumedOnceByItsOwnClient) {
  approved();
  const std::string id = challenge("login", "A");
  EXPECT_EQ(std::get<WireFailure>(begin_login(db(), "c_none", "A", 2000)).code, "SITE-NONCE-UNKNOWN");
  EXPECT_EQ(std::get<WireFailure>(begin_login(db(), id, "B", 2000)).code, "SITE-NONCE-WRONG-CLIENT");
  EXPECT_TRUE(std::holds_alternative<ChallengeRow>(begin_login(db(), id, "A", 2000)));
  EXPECT_EQ(std::get<WireFailure>(begin_login(db(), id, "A", 2000)).code, "SITE-NONCE-REPLAYED");
  const std::string old = challenge("login", "A", 1500);
  EXPECT_EQ(std::get<WireFailure>(begin_login(db(), old, "A", 2000)).code, "SITE-NONCE-EXPIRED");
  EXPECT_EQ(std::get<WireFailure>(begin_login(db(), old, "A", 2000)).code, "SITE-NONCE-REPLAYED");
  const std::string bind = challenge("bind", "A");
  EXPECT_EQ(std::get<WireFailure>(begin_login(db(), bind, "A", 2000)).code, "SITE-CHALLENGE-MISMATCH");
}

TEST_F(Store, BindingAgainReplacesAndACertificateBelongsToOneAccount) {
  Approval a = approved("83124560");
  Approval b = approved("22099131");
  const std::string c1 = challenge("bind", "A"), c2 = challenge("bind", "A"), c3 = challenge("bind", "A");
  for (const auto& c : {c1, c2, c3}) db().prepare("UPDATE challenges SET used_at = 1 WHERE id = ?").bind(1, c).run();
  store_binding(db(), a.account_id, {"citizen", "s", "i", "01", "F1"}, c1, 2000);
  store_binding(db(), a.account_id, {"citizen", "s", "i", "02", "F2"}, c2, 2001);
  auto count = [&] {
    auto s = db().prepare("SELECT count(*) FROM bindings");
    s.step();
    return s.column_int(0);
  };
  EXPECT_EQ(count(), 1);
  EXPECT_FALSE(find_bound_account(db(), "i", "01", "F1"));
  ASSERT_TRUE(find_bound_account(db(), "i", "02", "F2"));
  store_binding(db(), b.account_id, {"citizen", "s", "i", "02", "F2"}, c3, 2002);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(find_bound_account(db(), "i", "02", "F2")->first.ubn, "22099131");
  EXPECT_FALSE(find_bound_account(db(), "i", "02", "F3")) << "the fingerprint must match too";
}

TEST_F(Store, SessionsExpireAndEnd) {
  Approval a = approved();
  const std::string c = challenge("login", "A");
  create_session(db(), "h1", a.account_id, "business", c, 1000, 1800);
  EXPECT_TRUE(find_session(db(), "h1", 2000));
  EXPECT_FALSE(find_session(db(), "h1", 2800)) << "expired";
  EXPECT_TRUE(end_session(db(), "h1", 2000));
  EXPECT_FALSE(find_session(db(), "h1", 2000));
  EXPECT_FALSE(end_session(db(), "h1", 2000));
}

// Issue 15 item 7: nothing grows without bound. Expired challenges, ended sessions and
// old code events go; the challenge a binding was made with stays.
TEST_F(Store, PruningDeletesWhatExpiredAndKeepsWhatBindingsNeed) {
  Approval a = approved();
  for (int i = 0; i < 20; ++i) challenge("login", "A", 1500);  // never used, expired at 1500
  const std::string wrong = a.code == "AAAAAAAA" ? "BBBBBBBB" : "AAAAAAAA";
  EXPECT_EQ(bind_code(wrong), "SITE-CODE-WRONG");  // one code event (at 2000)
  const std::string bound_with = challenge("bind", "A");
  store_binding(db(), a.account_id, {"citizen", "s", "i", "01", "FP"}, bound_with, 2000);
  const std::string session_challenge = challenge("login", "A");
  create_session(db(), "h1", a.account_id, "citizen", session_challenge, 2000, 100);  // ends at 2100
  EXPECT_EQ(table_sizes(db()).challenges, 23);
  // Nothing has stopped mattering for `retain` (600 s) yet at 2050.
  EXPECT_EQ(prune_expired(db(), 2050, 600), 0);
  // Long after: the 20 expired challenges, the code event, the session and the challenges
  // of both go; the binding's challenge stays (the binding refers to it).
  EXPECT_EQ(prune_expired(db(), 10000, 600), 20 + 1 + 1 + 2);
  TableSizes after = table_sizes(db());
  EXPECT_EQ(after.challenges, 1);
  EXPECT_EQ(after.sessions, 0);
  EXPECT_EQ(after.code_events, 0);
  EXPECT_TRUE(find_bound_account(db(), "i", "01", "FP"));
}

TEST_F(Store, ASecondApplicationForTheSameUbnIsRefused) {
  approved();
  Application f;
  f.ubn = "83124560";
  auto again = create_application(db(), f, "h", 1000);
  ASSERT_TRUE(std::holds_alternative<WireFailure>(again));
  EXPECT_EQ(std::get<WireFailure>(again).code, "SITE-ACCOUNT-EXISTS");
}

}  // namespace
}  // namespace certwiz::site_server

// ---- issue 17: review states and renewed cards ----------------------------------------

namespace certwiz::site_server {
namespace {

class Review : public Store {
 protected:
  int64_t applied(const std::string& ubn = "83124560", const std::string& company = "綠源環保科技股份有限公司") {
    Application f;
    f.ubn = ubn;
    f.control_no = "L5600123";
    f.company_name = company;
    f.owner_name = "陳志明";
    f.owner_id = "F131058274";
    f.business_cert_login = true;
    auto made = create_application(db(), f, hash_secret("pw", 1000), 1000);
    EXPECT_TRUE(std::holds_alternative<int64_t>(made));
    return std::holds_alternative<int64_t>(made) ? std::get<int64_t>(made) : -1;
  }
};

TEST_F(Review, PendingRejectedResentApproved) {
  const int64_t id = applied();
  auto st = application_status(db(), id);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, "pending");
  EXPECT_EQ(st->ubn, "83124560");

  reject_application(db(), id, "attachment-unreadable", "blurred scan", 2000);
  st = application_status(db(), id);
  EXPECT_EQ(st->state, "rejected");
  EXPECT_EQ(st->reason, "attachment-unreadable");
  EXPECT_EQ(st->note, "blurred scan");
  EXPECT_EQ(st->changed_at, 2000);
  // Rejected is not approvable until it comes back.
  EXPECT_THROW(approve_application(db(), id, 14, 2100), DbError);

  // The corrected form comes back under the same number, under review again.
  EXPECT_EQ(applied("83124560", "綠源環保科技股份有限公司（更正）"), id);
  st = application_status(db(), id);
  EXPECT_EQ(st->state, "pending");
  EXPECT_TRUE(st->reason.empty());

  approve_application(db(), id, 14, 3000);
  st = application_status(db(), id);
  EXPECT_EQ(st->state, "approved");
  EXPECT_EQ(st->code_expires_at, 3000 + 14 * 86400);
  // The account carries the corrected form.
  auto acc = db().prepare("SELECT company_name FROM accounts WHERE application_id = ?");
  acc.bind(1, id);
  ASSERT_TRUE(acc.step());
  EXPECT_EQ(acc.column_text(0), "綠源環保科技股份有限公司（更正）");
  // An approved application has an account: never rejected or reopened.
  EXPECT_THROW(reject_application(db(), id, "other", "", 4000), DbError);
  EXPECT_THROW(reopen_application(db(), id, 4000), DbError);
}

TEST_F(Review, UnknownReasonAndApplicationRefused) {
  const int64_t id = applied();
  EXPECT_THROW(reject_application(db(), id, "no-such-reason", "", 2000), DbError);
  EXPECT_EQ(application_status(db(), id)->state, "pending");
  EXPECT_THROW(reject_application(db(), id + 100, "other", "", 2000), DbError);
  EXPECT_FALSE(application_status(db(), id + 100));
  reject_application(db(), id, "other", "call us", 2000);
  reopen_application(db(), id, 2500);
  EXPECT_EQ(application_status(db(), id)->state, "pending");
}

TEST_F(Review, RenewedCertificateToldApartFromAStrangerAndTheReplacedOne) {
  Approval a = approved();
  const std::string c1 = challenge("bind", "A"), c2 = challenge("bind", "A");
  store_binding(db(), a.account_id, {"business", "O=old", "MOEACA", "0A", "FP-OLD", "business:83124560"}, c1, 2000);
  // Not bound, same holder: a renewed card.
  auto why = unbound_certificate_reason(db(), "FP-NEW", "business:83124560");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->code, "SITE-CERT-RENEWED");
  // Not bound, another holder: nothing more to say than "not bound".
  EXPECT_FALSE(unbound_certificate_reason(db(), "FP-OTHER", "business:22099131"));
  EXPECT_FALSE(unbound_certificate_reason(db(), "FP-OTHER", ""));

  // Re-binding replaces the old certificate: it no longer finds the account, and says why.
  store_binding(db(), a.account_id, {"business", "O=new", "MOEACA", "0B", "FP-NEW", "business:83124560"}, c2, 3000);
  EXPECT_TRUE(find_bound_account(db(), "MOEACA", "0B", "FP-NEW"));
  EXPECT_FALSE(find_bound_account(db(), "MOEACA", "0A", "FP-OLD"));
  why = unbound_certificate_reason(db(), "FP-OLD", "business:83124560");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->code, "SITE-CERT-REPLACED");
  // Binding the old one again makes it current (and the new one replaced).
  store_binding(db(), a.account_id, {"business", "O=old", "MOEACA", "0A", "FP-OLD", "business:83124560"},
                challenge("bind", "A"), 4000);
  EXPECT_TRUE(find_bound_account(db(), "MOEACA", "0A", "FP-OLD"));
  EXPECT_EQ(unbound_certificate_reason(db(), "FP-NEW", "business:83124560")->code, "SITE-CERT-REPLACED");
}

}  // namespace
}  // namespace certwiz::site_server

// The SQLite layer: WAL and foreign keys on, versioned migrations each in a
// transaction, and salted PBKDF2 hashes for passwords and verification codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/lab/site/password_hash.h"
#include "tests/lab/site/sqlite_db.h"

namespace certwiz::site_server {
namespace {
namespace fs = std::filesystem;

std::string temp_db(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("certwiz-site-unit-" + std::to_string(getpid()));
  fs::create_directories(d);
  fs::path p = d / (name + ".db");
  for (const char* s : {"", "-wal", "-shm"}) fs::remove(p.string() + s);
  return p.string();
}

int64_t scalar(Database& db, const std::string& sql) {
  auto s = db.prepare(sql);
  EXPECT_TRUE(s.step());
  return s.column_int(0);
}

TEST(SiteDb, OpensWithWalForeignKeysAndABusyTimeout) {
  Database db(temp_db("pragmas"));
  auto s = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_text(0), "wal");
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(scalar(db, "PRAGMA busy_timeout"), 10000);
}

TEST(SiteDb, MigratesANewFileToTheLatestVersionOnce) {
  const std::string path = temp_db("fresh");
  Database db(path);
  EXPECT_EQ(schema_version(db), 0);
  EXPECT_EQ(migrate(db, site_migrations()), 4);
  EXPECT_EQ(schema_version(db), 4);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM schema_version"), 4);
  EXPECT_EQ(migrate(db, site_migrations()), 0);
  Database again(path);
  EXPECT_EQ(migrate(again, site_migrations()), 0);
  EXPECT_EQ(scalar(again, "SELECT count(*) FROM sqlite_master WHERE name = 'bindings_cert'"), 1);
}

TEST(SiteDb, UpgradesAVersionOneFileKeepingItsData) {
  const std::string path = temp_db("v1");
  {
    Database db(path);
    EXPECT_EQ(migrate(db, site_migrations().subspan(0, 1)), 1);
    db.prepare("INSERT INTO companies(ubn, name, owner, address) VALUES ('83124560', 'n', 'o', 'a')").run();
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'bindings_cert'"), 0);
  }
  Database db(path);
  EXPECT_EQ(migrate(db, site_migrations()), 3);
  EXPECT_EQ(schema_version(db), 4);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM companies"), 1);
}

TEST(SiteDb, AFailingMigrationRollsBackAndKeepsTheEarlierOnes) {
  const std::string path = temp_db("failing");
  Database db(path);
  const std::vector<Migration> steps = {
      {1, "one", "CREATE TABLE a(x INTEGER);"},
      {2, "two, broken halfway", "CREATE TABLE b(x INTEGER); INSERT INTO a VALUES (1); CREATE TABLE a(y INTEGER);"},
  };
  EXPECT_THROW(migrate(db, steps), DbError);
  EXPECT_EQ(schema_version(db), 1);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 0) << "half a migration stayed";
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM a"), 0);
}

TEST(SiteDb, RefusesAFileFromANewerProgram) {
  const std::string path = temp_db("future");
  Database db(path);
  migrate(db, site_migrations());
  db.prepare("INSERT INTO schema_version(version, description, applied_at) VALUES (99, 'future', 0)").run();
  EXPECT_THROW(migrate(db, site_migrations()), DbError);
}

TEST(SiteDb, ForeignKeysAreEnforced) {
  Database db(temp_db("fk"));
  migrate(db, site_migrations());
  EXPECT_THROW(db.prepare("INSERT INTO bindings(account_id, login_type, subject, issuer, serial, fingerprint, "
                          "challenge_id, bound_at) VALUES (42, 'business', 's', 'i', '01', 'ff', 'c_x', 0)")
                   .run(),
               DbError);
}

TEST(SiteDb, ATransactionRollsBackOnAnException) {
  Database db(temp_db("tx"));
  migrate(db, site_migrations());
  EXPECT_THROW(db.transaction([&] {
    db.prepare("INSERT INTO companies(ubn, name, owner, address) VALUES ('1', 'n', 'o', 'a')").run();
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM companies"), 0);
}

TEST(SecretHash, VerifiesTheSecretAndNothingElse) {
  const std::string h = hash_secret("K7QX2MPA", 1000);
  EXPECT_EQ(h.rfind("pbkdf2-sha256$1000$", 0), 0u);
  EXPECT_EQ(h.find("K7QX2MPA"), std::string::npos);
  EXPECT_TRUE(verify_secret("K7QX2MPA", h));
  EXPECT_FALSE(verify_secret("K7QX2MPB", h));
  EXPECT_FALSE(verify_secret("", h));
  EXPECT_NE(hash_secret("K7QX2MPA", 1000), h) << "salts differ";
}

TEST(SecretHash, MalformedStoredValuesNeverVerify) {
  for (const char* stored : {"", "pbkdf2-sha256$", "pbkdf2-sha256$x$AAAA$AAAA", "pbkdf2-sha256$0$AAAA$AAAA",
                             "pbkdf2-sha256$10$AAAA", "pbkdf2-sha256$10$!!!!$AAAA", "md5$1$AAAA$AAAA",
                             "pbkdf2-sha256$99999999999$AAAA$AAAA"})
    EXPECT_FALSE(verify_secret("x", stored)) << stored;
}

TEST(SecretHash, VerificationCodesUseTheUnambiguousAlphabet) {
  std::set<char> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string c = new_verification_code();
    ASSERT_EQ(c.size(), 8u);
    for (char ch : c) {
      EXPECT_NE(kCodeAlphabet.find(ch), std::string_view::npos) << c;
      seen.insert(ch);
    }
  }
  EXPECT_GT(seen.size(), 28u) << "200 codes should use nearly every letter";
  for (char bad : {'0', 'O', '1', 'I'}) EXPECT_EQ(seen.count(bad), 0u);
}

TEST(SecretHash, Sha256Hex) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace certwiz::site_server

#include "tests/lab/site/sqlite_db.h"

#include <array>

namespace certwiz::site_server {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw DbError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// Version 1: the site's tables. Version 2: indexes for the lookups the server does
// on every request (and a first real upgrade step for the migration tests). Version 3:
// indexes the expiry sweep needs. Version 4 (issue 17): the review state of an application
// (rejected with a reason, beside applications.status, whose CHECK SQLite cannot widen), the
// holder of a bound certificate (to tell a renewed card from a stranger's) and the bindings
// a re-binding replaced (so the old card gets its own answer). New tables and added columns
// only: other additions to the schema never touch these.
const std::array<Migration, 4> kMigrations{{
    {1, "companies, applications, accounts, verification codes, challenges, bindings, sessions", R"SQL(
CREATE TABLE companies(
  ubn TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  owner TEXT NOT NULL,
  address TEXT NOT NULL
);
CREATE TABLE applications(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ubn TEXT NOT NULL,
  control_no TEXT NOT NULL,
  company_name TEXT NOT NULL,
  owner_name TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  citizen_login INTEGER NOT NULL CHECK(citizen_login IN (0, 1)),
  business_login INTEGER NOT NULL CHECK(business_login IN (0, 1)),
  form_json TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('pending', 'approved')),
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX applications_one_pending ON applications(ubn) WHERE status = 'pending';
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ubn TEXT NOT NULL UNIQUE,
  application_id INTEGER NOT NULL UNIQUE REFERENCES applications(id),
  control_no TEXT NOT NULL,
  company_name TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  citizen_login INTEGER NOT NULL CHECK(citizen_login IN (0, 1)),
  business_login INTEGER NOT NULL CHECK(business_login IN (0, 1)),
  created_at INTEGER NOT NULL
);
CREATE TABLE verification_codes(
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  code_hash TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK(failed_attempts BETWEEN 0 AND 5)
);
CREATE TABLE challenges(
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK(purpose IN ('bind', 'login')),
  ubn TEXT,
  control_no TEXT,
  nonce TEXT NOT NULL UNIQUE,
  tbs TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE TABLE code_events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  challenge_id TEXT NOT NULL REFERENCES challenges(id),
  outcome TEXT NOT NULL CHECK(outcome IN ('right', 'wrong', 'locked', 'expired')),
  at INTEGER NOT NULL
);
CREATE TABLE bindings(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  login_type TEXT NOT NULL CHECK(login_type IN ('business', 'citizen')),
  subject TEXT NOT NULL,
  issuer TEXT NOT NULL,
  serial TEXT NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE,
  challenge_id TEXT NOT NULL REFERENCES challenges(id),
  bound_at INTEGER NOT NULL,
  UNIQUE(account_id, login_type)
);
CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  login_type TEXT NOT NULL CHECK(login_type IN ('business', 'citizen')),
  challenge_id TEXT NOT NULL UNIQUE REFERENCES challenges(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  logged_out_at INTEGER
);
)SQL"},
    {2, "indexes for expiry sweeps and certificate lookups", R"SQL(
CREATE INDEX challenges_expires ON challenges(expires_at);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX bindings_cert ON bindings(issuer, serial);
CREATE INDEX code_events_account ON code_events(account_id, generation);
)SQL"},
    {3, "indexes for the expiry sweep (what still refers to a challenge, old code events)", R"SQL(
CREATE INDEX bindings_challenge ON bindings(challenge_id);
CREATE INDEX code_events_challenge ON code_events(challenge_id);
CREATE INDEX code_events_at ON code_events(at);
)SQL"},
    {4, "application review states, certificate holders, replaced bindings", R"SQL(
CREATE TABLE application_reviews(
  application_id INTEGER PRIMARY KEY REFERENCES applications(id) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK(state IN ('pending', 'approved', 'rejected')),
  reason TEXT,
  note TEXT,
  changed_at INTEGER NOT NULL
);
ALTER TABLE bindings ADD COLUMN holder TEXT;
CREATE INDEX bindings_holder ON bindings(holder);
CREATE TABLE replaced_bindings(
  fingerprint TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  login_type TEXT NOT NULL,
  serial TEXT NOT NULL,
  replaced_at INTEGER NOT NULL
);
)SQL"},
}};

}  // namespace

Statement::~Statement() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::bind(int index, int64_t v) {
  if (sqlite3_bind_int64(stmt_, index, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view v) {
  if (sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  if (sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

std::string Statement::column_blob(int i) const {
  const void* p = sqlite3_column_blob(stmt_, i);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, std::string("step: ") + sqlite3_sql(stmt_));
}

void Statement::run() {
  while (step()) {
  }
}

int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

std::string Statement::column_text(int i) const {
  const unsigned char* p = sqlite3_column_text(stmt_, i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string();
}

bool Statement::column_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

Database::Database(const std::string& path, int busy_timeout_ms) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_close(db_);
    throw DbError(msg);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // journal_mode answers a row; the others answer nothing.
  exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  auto s = prepare("PRAGMA journal_mode");
  if (!s.step() || s.column_text(0) != "wal") throw DbError("cannot switch " + path + " to WAL");
}

Database::~Database() {
  for (auto& [sql, st] : cache_) sqlite3_finalize(st);
  sqlite3_close(db_);
}

Statement Database::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                           nullptr) != SQLITE_OK)
      fail(db_, "prepare: " + std::string(sql));
    it = cache_.emplace(std::string(sql), st).first;
  }
  return Statement(db_, it->second);
}

void Database::exec_script(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw DbError("sql: " + msg);
  }
}

void Database::begin() { prepare("BEGIN IMMEDIATE").run(); }
void Database::commit() { prepare("COMMIT").run(); }
void Database::rollback() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

int schema_version(Database& db) {
  auto t = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  t.step();
  if (t.column_int(0) == 0) return 0;
  auto s = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  s.step();
  return static_cast<int>(s.column_int(0));
}

int migrate(Database& db, std::span<const Migration> migrations) {
  db.exec_script(
      "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL)");
  int applied = 0;
  // The version is read inside each transaction, so two processes migrating at once
  // cannot both apply the same step.
  for (const Migration& m : migrations) {
    bool done = db.transaction([&] {
      const int current = schema_version(db);
      const int last = migrations.empty() ? 0 : migrations.back().version;
      if (current > last)
        throw DbError(db.path() + " has schema version " + std::to_string(current) + ", newer than this program (" +
                      std::to_string(last) + ")");
      if (current >= m.version) return false;
      if (m.version != current + 1)
        throw DbError("migration " + std::to_string(m.version) + " follows version " + std::to_string(current));
      db.exec_script(m.sql);
      db.prepare("INSERT INTO schema_version(version, description, applied_at) VALUES (?, ?, strftime('%s','now'))")
          .bind(1, m.version)
          .bind(2, m.description)
          .run();
      return true;
    });
    if (done) ++applied;
  }
  if (migrations.empty() || applied == 0) {
    const int current = schema_version(db);
    const int last = migrations.empty() ? 0 : migrations.back().version;
    if (current > last)
      throw DbError(db.path() + " has schema version " + std::to_string(current) + ", newer than this program (" +
                    std::to_string(last) + ")");
  }
  return applied;
}

std::span<const Migration> site_migrations() { return kMigrations; }

DatabasePool::DatabasePool(std::string path, size_t max_idle) : path_(std::move(path)), max_idle_(max_idle) {}

DatabasePool::Lease DatabasePool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  return Lease(this, std::make_unique<Database>(path_));
}

void DatabasePool::give_back(std::unique_ptr<Database> db) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(db));
}

DatabasePool::Lease::~Lease() {
  if (db_ && pool_) pool_->give_back(std::move(db_));
}

}  // namespace certwiz::site_server

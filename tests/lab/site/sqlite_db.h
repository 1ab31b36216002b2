#pragma once
// A thin SQLite connection for the reference site: WAL, foreign keys, a busy timeout,
// prepared statements only (cached per connection), transactions that roll back
// unless committed, and versioned schema migrations recorded in schema_version.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace certwiz::site_server {

// Failures of the database itself (not of a request): the server answers SITE-INTERNAL.
struct DbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using DbValue = std::variant<std::nullptr_t, int64_t, std::string>;

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t v);
  Statement& bind(int index, std::string_view v);
  Statement& bind_null(int index);
  // Bytes that are not text (an uploaded file).
  Statement& bind_blob(int index, std::string_view bytes);
  // true while there is a row.
  bool step();
  // Steps to the end (for statements without rows).
  void run();
  int64_t column_int(int i) const;
  std::string column_text(int i) const;
  bool column_null(int i) const;
  std::string column_blob(int i) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

struct Migration {
  int version;
  std::string description;
  std::string sql;  // run as a whole inside the migration's transaction
};

class Database {
 public:
  // Opens (creating when missing) with WAL, foreign keys and a busy timeout.
  explicit Database(const std::string& path, int busy_timeout_ms = 10000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // A prepared statement from this connection's cache, reset and with bindings cleared.
  Statement prepare(std::string_view sql);
  // For schema and pragmas only (no parameters): never for data.
  void exec_script(const std::string& sql);

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; any exception rolls back.
  template <typename F>
  auto transaction(F&& body) -> decltype(body()) {
    begin();
    try {
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        commit();
      } else {
        auto r = body();
        commit();
        return r;
      }
    } catch (...) {
      rollback();
      throw;
    }
  }

  int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  void begin();
  void commit();
  void rollback();
  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// The schema version recorded in the database (0 for a new file).
int schema_version(Database& db);
// Applies every migration above the recorded version, each in its own transaction
// together with its schema_version row. Throws DbError when the file is newer than
// the code (a version above the last migration) or a migration fails (that one is
// rolled back; earlier ones stay). Returns how many were applied.
int migrate(Database& db, std::span<const Migration> migrations);
// The site's own schema.
std::span<const Migration> site_migrations();

// A small pool of connections to one file, handed out one per request.
class DatabasePool {
 public:
  DatabasePool(std::string path, size_t max_idle = 8);
  class Lease {
   public:
    Lease(DatabasePool* pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Database& operator*() { return *db_; }
    Database* operator->() { return db_.get(); }

   private:
    DatabasePool* pool_;
    std::unique_ptr<Database> db_;
  };
  Lease acquire();

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Database> db);
  std::string path_;
  size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Database>> idle_;
};

}  // namespace certwiz::site_server

#pragma once
// The reference site's data: the company registry, applications, accounts with their
// verification codes, challenges, certificate bindings and sessions. Every state
// change runs in one transaction, so a process killed at any point leaves either the
// old state or the new one.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "checks/form/form.h"
#include "tests/lab/site/requests.h"
#include "tests/lab/site/sqlite_db.h"

namespace certwiz::site_server {

inline constexpr int kMaxWrongCodes = 5;

struct Company {
  std::string ubn, name, owner, address;
};

struct Account {
  int64_t id = 0;
  std::string ubn, control_no, company_name, owner_id;
  bool citizen_login = false, business_login = false;
};

struct ChallengeRow {
  std::string id, client_id, purpose, ubn, control_no, nonce, tbs;
  int64_t issued_at = 0, expires_at = 0;
};

struct Binding {
  std::string login_type, subject, issuer, serial, fingerprint;
};

// "APP-000001" ↔ 1
std::string application_label(int64_t id);
std::optional<int64_t> parse_application_label(const std::string& label);

void upsert_company(Database& db, const Company& c);
// The lab's company (identities.json: cards of kind "moeaca") into the registry. Returns how many.
int seed_companies_from_identities(Database& db, const std::string& identities_path);
std::optional<Company> find_company(Database& db, const std::string& ubn);

// SITE-ACCOUNT-EXISTS when the UBN has an account or a pending application.
std::variant<int64_t, WireFailure> create_application(Database& db, const form::ValidatedForm& form,
                                                      const std::string& password_hash, int64_t now);

struct Approval {
  std::string application, code;
  int64_t account_id = 0, expires_at = 0;
  bool new_account = false;
};
// Creates the account (first time) and issues a fresh code (always: a new generation
// with no wrong attempts). Throws DbError for an unknown application.
Approval approve_application(Database& db, int64_t application_id, int valid_days, int64_t now);
// Site staff turning a login type ("citizen" or "business") on or off for the account of
// a UBN, as the real site's account settings do. False when no account has that UBN.
bool set_login_type(Database& db, const std::string& ubn, const std::string& login_type, bool enabled);

void insert_challenge(Database& db, const ChallengeRow& c);

// Step 1 (and 2 for bind) of the protocol, with its writes (consuming the challenge,
// counting a wrong code) committed whatever the outcome.
std::variant<Account, WireFailure> begin_bind(Database& db, const BindRequest& req, const std::string& client_id,
                                              int64_t now, ChallengeRow& challenge_out);
std::variant<ChallengeRow, WireFailure> begin_login(Database& db, const std::string& challenge_id,
                                                    const std::string& client_id, int64_t now);

// One binding per account and login type, and a certificate bound to one account:
// binding again (or elsewhere) replaces the old row.
void store_binding(Database& db, int64_t account_id, const Binding& b, const std::string& challenge_id, int64_t now);
std::optional<std::pair<Account, std::string>> find_bound_account(Database& db, const std::string& issuer,
                                                                  const std::string& serial,
                                                                  const std::string& fingerprint);
std::optional<Account> find_account(Database& db, int64_t id);

void create_session(Database& db, const std::string& token_hash, int64_t account_id, const std::string& login_type,
                    const std::string& challenge_id, int64_t now, int64_t ttl);
struct SessionInfo {
  Account account;
  std::string login_type;
  int64_t expires_at = 0;
};
std::optional<SessionInfo> find_session(Database& db, const std::string& token_hash, int64_t now);
bool end_session(Database& db, const std::string& token_hash, int64_t now);

}  // namespace certwiz::site_server

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

#include "tests/lab/site/application.h"
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
  std::string holder{};  // holder_key() of the certificate (empty: unknown)
};

// "APP-000001" ↔ 1
std::string application_label(int64_t id);
std::optional<int64_t> parse_application_label(const std::string& label);

void upsert_company(Database& db, const Company& c);
// The lab's company (identities.json: cards of kind "moeaca") into the registry. Returns how many.
int seed_companies_from_identities(Database& db, const std::string& identities_path);
std::optional<Company> find_company(Database& db, const std::string& ubn);

// SITE-ACCOUNT-EXISTS when the UBN has an account or a pending application.
std::variant<int64_t, WireFailure> create_application(Database& db, const Application& form,
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

// ---- the review of an application (issue 17: a process that spans days) ----------------
// States as the status endpoint names them: "pending" (received, under review), "approved"
// (account made, verification code sent), "rejected" (with a reason from
// rejection_reasons() and staff's note).
struct ApplicationStatus {
  int64_t id = 0;
  std::string ubn, state, reason, note;
  int64_t created_at = 0, changed_at = 0;
  int64_t code_expires_at = 0;  // approved: when the current verification code expires
};
// The reasons staff may give, each with the site's own message (en, zh).
struct RejectionReason {
  std::string code, message, message_zh;
};
const std::vector<RejectionReason>& rejection_reasons();
const RejectionReason* find_rejection_reason(const std::string& code);
std::optional<ApplicationStatus> application_status(Database& db, int64_t application_id);
// Staff moves (certwiz-site application). DbError for an unknown application, an unknown
// reason, or a move the site does not allow: an approved application has an account and is
// never rejected or reopened (a new code is `approve` again).
void reject_application(Database& db, int64_t application_id, const std::string& reason, const std::string& note,
                        int64_t now);
void reopen_application(Database& db, int64_t application_id, int64_t now);

void insert_challenge(Database& db, const ChallengeRow& c);

// Steps 1 and 2 of bind up to the code itself: the challenge (consumed whatever the
// outcome), the account, its control number, and a code neither locked nor expired.
// The code is judged only after the signature (check_verification_code), so junk
// signatures cannot spend the company's tries (issue 15, docs/site-protocol.md).
struct BindAccount {
  Account account;
};
std::variant<BindAccount, WireFailure> begin_bind(Database& db, const BindRequest& req, const std::string& client_id,
                                                  int64_t now, ChallengeRow& challenge_out);
// The verification code, once the signature and certificate have passed: a wrong one
// counts toward the lock-out (SITE-CODE-WRONG with attempts_left). nullopt when right.
std::optional<WireFailure> check_verification_code(Database& db, int64_t account_id, const std::string& code,
                                                   const std::string& challenge_id, int64_t now);
std::variant<ChallengeRow, WireFailure> begin_login(Database& db, const std::string& challenge_id,
                                                    const std::string& client_id, int64_t now);

// One binding per account and login type, and a certificate bound to one account:
// binding again (or elsewhere) replaces the old row; a replaced certificate is remembered
// (replaced_binding) so its next login is told why it no longer works.
void store_binding(Database& db, int64_t account_id, const Binding& b, const std::string& challenge_id, int64_t now);
std::optional<std::pair<Account, std::string>> find_bound_account(Database& db, const std::string& issuer,
                                                                  const std::string& serial,
                                                                  const std::string& fingerprint);
std::optional<Account> find_account(Database& db, int64_t id);
// Why a certificate that is not bound cannot log in, when the site knows more than "not
// bound": SITE-CERT-REPLACED when a re-binding replaced it, SITE-CERT-RENEWED when its
// holder has another certificate bound (a renewed card, not bound yet). nullopt otherwise.
std::optional<WireFailure> unbound_certificate_reason(Database& db, const std::string& fingerprint,
                                                      const std::string& holder);

void create_session(Database& db, const std::string& token_hash, int64_t account_id, const std::string& login_type,
                    const std::string& challenge_id, int64_t now, int64_t ttl);
struct SessionInfo {
  Account account;
  std::string login_type;
  int64_t expires_at = 0;
};
std::optional<SessionInfo> find_session(Database& db, const std::string& token_hash, int64_t now);
bool end_session(Database& db, const std::string& token_hash, int64_t now);

// Deletes what no longer matters, `retain` seconds after it stopped mattering: expired
// challenges nothing refers to, expired or ended sessions, code events. Bindings and
// accounts stay. Returns the number of rows deleted.
int64_t prune_expired(Database& db, int64_t now, int64_t retain);
struct TableSizes {
  int64_t challenges = 0, sessions = 0, code_events = 0;
};
TableSizes table_sizes(Database& db);

}  // namespace certwiz::site_server

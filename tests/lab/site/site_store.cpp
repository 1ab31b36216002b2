#include "tests/lab/site/site_store.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/lab/site/password_hash.h"

namespace certwiz::site_server {
namespace {

constexpr int64_t kDay = 86400;

Account read_account(Statement& s) {
  Account a;
  a.id = s.column_int(0);
  a.ubn = s.column_text(1);
  a.control_no = s.column_text(2);
  a.company_name = s.column_text(3);
  a.owner_id = s.column_text(4);
  a.citizen_login = s.column_int(5) != 0;
  a.business_login = s.column_int(6) != 0;
  return a;
}

constexpr const char* kAccountColumns =
    "id, ubn, control_no, company_name, owner_id, citizen_login, business_login";

std::optional<Account> account_where(Database& db, const std::string& sql, const std::string& key) {
  auto s = db.prepare(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE " + sql);
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return read_account(s);
}

// Step 1: the challenge is known, its client's, unused and fresh; consumed here
// (by its own client) whatever comes next.
std::variant<ChallengeRow, WireFailure> take_challenge(Database& db, const std::string& id, const std::string& client,
                                                       int64_t now) {
  auto s = db.prepare(
      "SELECT id, client_id, purpose, coalesce(ubn, ''), coalesce(control_no, ''), nonce, tbs, issued_at, expires_at, "
      "used_at FROM challenges WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return wire("SITE-NONCE-UNKNOWN", "challenge " + id);
  ChallengeRow c{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4),
                 s.column_text(5), s.column_text(6), s.column_int(7),  s.column_int(8)};
  const bool used = !s.column_null(9);
  // Another client's request does not burn the challenge (it would let anyone who saw
  // an id cancel someone else's login).
  if (c.client_id != client) return wire("SITE-NONCE-WRONG-CLIENT", "challenge of another client");
  if (used) return wire("SITE-NONCE-REPLAYED", "challenge already used");
  db.prepare("UPDATE challenges SET used_at = ? WHERE id = ? AND used_at IS NULL").bind(1, now).bind(2, id).run();
  if (now >= c.expires_at) return wire("SITE-NONCE-EXPIRED", "expired at " + std::to_string(c.expires_at));
  return c;
}

void code_event(Database& db, int64_t account, int64_t generation, const std::string& challenge, const char* outcome,
                int64_t now) {
  db.prepare("INSERT INTO code_events(account_id, generation, challenge_id, outcome, at) VALUES (?, ?, ?, ?, ?)")
      .bind(1, account)
      .bind(2, generation)
      .bind(3, challenge)
      .bind(4, std::string_view(outcome))
      .bind(5, now)
      .run();
}

}  // namespace

std::string application_label(int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "APP-%06lld", static_cast<long long>(id));
  return buf;
}

std::optional<int64_t> parse_application_label(const std::string& label) {
  if (label.size() < 5 || label.substr(0, 4) != "APP-" || label.size() > 16) return std::nullopt;
  int64_t v = 0;
  for (char c : label.substr(4)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

void upsert_company(Database& db, const Company& c) {
  db.transaction([&] {
    db.prepare(
          "INSERT INTO companies(ubn, name, owner, address) VALUES (?, ?, ?, ?) "
          "ON CONFLICT(ubn) DO UPDATE SET name = excluded.name, owner = excluded.owner, address = excluded.address")
        .bind(1, c.ubn)
        .bind(2, c.name)
        .bind(3, c.owner)
        .bind(4, c.address)
        .run();
  });
}

int seed_companies_from_identities(Database& db, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DbError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.contains("cards") || !j["cards"].is_object()) throw DbError(path + " is not an identities file");
  int n = 0;
  for (const auto& [name, card] : j["cards"].items()) {
    if (!card.is_object() || card.value("kind", "") != "moeaca") continue;
    Company c;
    c.ubn = card.value("ubn", "");
    c.name = card.value("company_name", "");
    if (card.contains("responsible_person") && card["responsible_person"].is_object())
      c.owner = card["responsible_person"].value("name", "");
    if (card.contains("registered_address") && card["registered_address"].is_object()) {
      const auto& a = card["registered_address"];
      c.address = a.value("county", "") + a.value("district", "") + a.value("street", "");
    }
    if (c.ubn.empty() || c.name.empty()) continue;
    upsert_company(db, c);
    ++n;
  }
  return n;
}

std::optional<Company> find_company(Database& db, const std::string& ubn) {
  auto s = db.prepare("SELECT ubn, name, owner, address FROM companies WHERE ubn = ?");
  s.bind(1, ubn);
  if (!s.step()) return std::nullopt;
  return Company{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3)};
}

std::variant<int64_t, WireFailure> create_application(Database& db, const Application& f,
                                                      const std::string& password_hash, int64_t now) {
  nlohmann::json stored = {
      {"ubn", f.ubn},
      {"control_no", f.control_no},
      {"company_name", f.company_name},
      {"owner_name", f.owner_name},
      {"owner_id", f.owner_id},
      {"reg_address", {{"zip", f.reg_address.zip}, {"county", f.reg_address.county}, {"district", f.reg_address.district}, {"street", f.reg_address.street}}},
      {"mail_address", {{"zip", f.mail_address.zip}, {"county", f.mail_address.county}, {"district", f.mail_address.district}, {"street", f.mail_address.street}}},
      {"contact_name", f.contact_name},
      {"phone1", f.phone1},
      {"phone1_ext", f.phone1_ext},
      {"phone2", f.phone2},
      {"fax", f.fax},
      {"email", f.email},
  };
  return db.transaction([&]() -> std::variant<int64_t, WireFailure> {
    // A rejected application is corrected and sent again under its own number (補件): the
    // new form replaces the old one and the review starts over.
    auto rejected = db.prepare(
        "SELECT a.id FROM applications a JOIN application_reviews r ON r.application_id = a.id "
        "WHERE a.ubn = ? AND a.status = 'pending' AND r.state = 'rejected'");
    rejected.bind(1, f.ubn);
    if (rejected.step()) {
      const int64_t id = rejected.column_int(0);
      db.prepare(
            "UPDATE applications SET control_no = ?, company_name = ?, owner_name = ?, owner_id = ?, citizen_login = ?, "
            "business_login = ?, form_json = ?, password_hash = ? WHERE id = ?")
          .bind(1, f.control_no)
          .bind(2, f.company_name)
          .bind(3, f.owner_name)
          .bind(4, f.owner_id)
          .bind(5, int64_t{f.citizen_cert_login})
          .bind(6, int64_t{f.business_cert_login})
          .bind(7, stored.dump())
          .bind(8, password_hash)
          .bind(9, id)
          .run();
      db.prepare("UPDATE application_reviews SET state = 'pending', reason = NULL, note = NULL, changed_at = ? "
                 "WHERE application_id = ?")
          .bind(1, now)
          .bind(2, id)
          .run();
      return id;
    }
    auto s = db.prepare(
        "SELECT (SELECT count(*) FROM accounts WHERE ubn = ?1) + "
        "(SELECT count(*) FROM applications WHERE ubn = ?1 AND status = 'pending')");
    s.bind(1, f.ubn);
    s.step();
    if (s.column_int(0) > 0) return wire("SITE-ACCOUNT-EXISTS", "UBN " + f.ubn);
    db.prepare(
          "INSERT INTO applications(ubn, control_no, company_name, owner_name, owner_id, citizen_login, "
          "business_login, form_json, password_hash, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)")
        .bind(1, f.ubn)
        .bind(2, f.control_no)
        .bind(3, f.company_name)
        .bind(4, f.owner_name)
        .bind(5, f.owner_id)
        .bind(6, int64_t{f.citizen_cert_login})
        .bind(7, int64_t{f.business_cert_login})
        .bind(8, stored.dump())
        .bind(9, password_hash)
        .bind(10, now)
        .run();
    return db.last_insert_rowid();
  });
}

Approval approve_application(Database& db, int64_t application_id, int valid_days, int64_t now) {
  // Hash before the transaction: PBKDF2 takes milliseconds the write lock need not wait.
  Approval a;
  a.application = application_label(application_id);
  a.code = new_verification_code();
  const std::string code_hash = hash_secret(a.code, kCodeIterations);
  a.expires_at = now + static_cast<int64_t>(valid_days) * kDay;
  db.transaction([&] {
    auto app = db.prepare(
        "SELECT a.status, coalesce(r.state, '') FROM applications a LEFT JOIN application_reviews r "
        "ON r.application_id = a.id WHERE a.id = ?");
    app.bind(1, application_id);
    if (!app.step()) throw DbError("no application " + a.application);
    const bool pending = app.column_text(0) == "pending";
    if (app.column_text(1) == "rejected")
      throw DbError("application " + a.application + " is rejected: the applicant sends it again, or staff reopen it");
    db.prepare(
          "INSERT INTO application_reviews(application_id, state, changed_at) VALUES (?1, 'approved', ?2) "
          "ON CONFLICT(application_id) DO UPDATE SET state = 'approved', reason = NULL, note = NULL, changed_at = ?2")
        .bind(1, application_id)
        .bind(2, now)
        .run();
    if (pending) {
      db.prepare(
            "INSERT INTO accounts(ubn, application_id, control_no, company_name, owner_id, password_hash, "
            "citizen_login, business_login, created_at) SELECT ubn, id, control_no, company_name, owner_id, "
            "password_hash, citizen_login, business_login, ? FROM applications WHERE id = ?")
          .bind(1, now)
          .bind(2, application_id)
          .run();
      a.account_id = db.last_insert_rowid();
      a.new_account = true;
      db.prepare("UPDATE applications SET status = 'approved' WHERE id = ?").bind(1, application_id).run();
    } else {
      auto acc = db.prepare("SELECT id FROM accounts WHERE application_id = ?");
      acc.bind(1, application_id);
      if (!acc.step()) throw DbError("application " + a.application + " is approved but has no account");
      a.account_id = acc.column_int(0);
    }
    db.prepare(
          "INSERT INTO verification_codes(account_id, generation, code_hash, issued_at, expires_at, failed_attempts) "
          "VALUES (?1, 1, ?2, ?3, ?4, 0) ON CONFLICT(account_id) DO UPDATE SET generation = generation + 1, "
          "code_hash = excluded.code_hash, issued_at = excluded.issued_at, expires_at = excluded.expires_at, "
          "failed_attempts = 0")
        .bind(1, a.account_id)
        .bind(2, code_hash)
        .bind(3, now)
        .bind(4, a.expires_at)
        .run();
  });
  return a;
}

bool set_login_type(Database& db, const std::string& ubn, const std::string& login_type, bool enabled) {
  if (login_type != "citizen" && login_type != "business") throw DbError("unknown login type " + login_type);
  // The column comes from the two names above, never from the caller's text.
  const std::string sql = login_type == "citizen" ? "UPDATE accounts SET citizen_login = ? WHERE ubn = ?"
                                                  : "UPDATE accounts SET business_login = ? WHERE ubn = ?";
  db.prepare(sql).bind(1, int64_t{enabled ? 1 : 0}).bind(2, ubn).run();
  return db.changes() > 0;
}

const std::vector<RejectionReason>& rejection_reasons() {
  static const std::vector<RejectionReason> kReasons = {
      {"attachment-unreadable", "An attachment could not be read (blurred, cut off or too small).",
       "附件無法辨識（模糊、不完整或解析度太低）。"},
      {"attachment-missing", "The stamped application or the registration copy is missing.",
       "缺少用印申請書或公司登記影本。"},
      {"seal-missing", "The application form is not stamped with the company and responsible person's seals.",
       "申請書未加蓋公司大章及負責人小章。"},
      {"data-mismatch", "The form does not agree with the company registration.", "申請資料與公司登記資料不符。"},
      {"other", "The application was rejected; see the reviewer's note.", "申請未通過審核，請見審核說明。"},
  };
  return kReasons;
}

const RejectionReason* find_rejection_reason(const std::string& code) {
  for (const auto& r : rejection_reasons())
    if (r.code == code) return &r;
  return nullptr;
}

std::optional<ApplicationStatus> application_status(Database& db, int64_t application_id) {
  auto s = db.prepare(
      "SELECT a.id, a.ubn, a.status, coalesce(r.state, ''), coalesce(r.reason, ''), coalesce(r.note, ''), a.created_at, "
      "coalesce(r.changed_at, a.created_at), coalesce((SELECT v.expires_at FROM accounts c JOIN verification_codes v "
      "ON v.account_id = c.id WHERE c.application_id = a.id), 0) "
      "FROM applications a LEFT JOIN application_reviews r ON r.application_id = a.id WHERE a.id = ?");
  s.bind(1, application_id);
  if (!s.step()) return std::nullopt;
  ApplicationStatus st;
  st.id = s.column_int(0);
  st.ubn = s.column_text(1);
  const std::string status = s.column_text(2), review = s.column_text(3);
  st.state = status == "approved" ? "approved" : review == "rejected" ? "rejected" : "pending";
  if (st.state == "rejected") {
    st.reason = s.column_text(4);
    st.note = s.column_text(5);
  }
  st.created_at = s.column_int(6);
  st.changed_at = s.column_int(7);
  if (st.state == "approved") st.code_expires_at = s.column_int(8);
  return st;
}

void reject_application(Database& db, int64_t application_id, const std::string& reason, const std::string& note,
                        int64_t now) {
  if (!find_rejection_reason(reason)) throw DbError("unknown rejection reason " + reason);
  db.transaction([&] {
    auto st = application_status(db, application_id);
    if (!st) throw DbError("no application " + application_label(application_id));
    if (st->state == "approved")
      throw DbError("application " + application_label(application_id) + " is approved and has an account");
    db.prepare(
          "INSERT INTO application_reviews(application_id, state, reason, note, changed_at) VALUES (?1, 'rejected', ?2, "
          "?3, ?4) ON CONFLICT(application_id) DO UPDATE SET state = 'rejected', reason = ?2, note = ?3, changed_at = ?4")
        .bind(1, application_id)
        .bind(2, reason)
        .bind(3, note)
        .bind(4, now)
        .run();
  });
}

void reopen_application(Database& db, int64_t application_id, int64_t now) {
  db.transaction([&] {
    auto st = application_status(db, application_id);
    if (!st) throw DbError("no application " + application_label(application_id));
    if (st->state == "approved")
      throw DbError("application " + application_label(application_id) + " is approved and has an account");
    db.prepare(
          "INSERT INTO application_reviews(application_id, state, changed_at) VALUES (?1, 'pending', ?2) "
          "ON CONFLICT(application_id) DO UPDATE SET state = 'pending', reason = NULL, note = NULL, changed_at = ?2")
        .bind(1, application_id)
        .bind(2, now)
        .run();
  });
}

void insert_challenge(Database& db, const ChallengeRow& c) {
  db.transaction([&] {
    auto s = db.prepare(
        "INSERT INTO challenges(id, client_id, purpose, ubn, control_no, nonce, tbs, issued_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, c.id).bind(2, c.client_id).bind(3, c.purpose);
    if (c.purpose == "bind")
      s.bind(4, c.ubn).bind(5, c.control_no);
    else
      s.bind_null(4).bind_null(5);
    s.bind(6, c.nonce).bind(7, c.tbs).bind(8, c.issued_at).bind(9, c.expires_at).run();
  });
}

std::variant<BindAccount, WireFailure> begin_bind(Database& db, const BindRequest& req, const std::string& client_id,
                                                  int64_t now, ChallengeRow& challenge_out) {
  return db.transaction([&]() -> std::variant<BindAccount, WireFailure> {
    auto taken = take_challenge(db, req.challenge_id, client_id, now);
    if (auto* f = std::get_if<WireFailure>(&taken)) return *f;
    challenge_out = std::get<ChallengeRow>(taken);
    const ChallengeRow& c = challenge_out;
    if (c.purpose != "bind" || c.ubn != req.ubn || c.control_no != req.control_no)
      return wire("SITE-CHALLENGE-MISMATCH", "purpose " + c.purpose);

    auto account = account_where(db, "ubn = ?", req.ubn);
    if (!account) return wire("SITE-ACCOUNT-UNKNOWN", "UBN " + req.ubn);
    if (account->control_no != req.control_no) return wire("SITE-CONTROL-NO-MISMATCH", "control number");

    auto code = db.prepare("SELECT generation, expires_at, failed_attempts FROM verification_codes WHERE account_id = ?");
    code.bind(1, account->id);
    if (!code.step()) return wire("SITE-ACCOUNT-UNKNOWN", "account without a verification code");
    const int64_t generation = code.column_int(0);
    const int64_t expires_at = code.column_int(1);
    const int64_t failed = code.column_int(2);
    if (failed >= kMaxWrongCodes) {
      code_event(db, account->id, generation, c.id, "locked", now);
      return wire("SITE-CODE-LOCKED", "locked after " + std::to_string(failed) + " wrong codes");
    }
    if (now >= expires_at) {
      code_event(db, account->id, generation, c.id, "expired", now);
      return wire("SITE-CODE-EXPIRED", "code expired");
    }
    return BindAccount{*account};
  });
}

std::optional<WireFailure> check_verification_code(Database& db, int64_t account_id, const std::string& given,
                                                   const std::string& challenge_id, int64_t now) {
  return db.transaction([&]() -> std::optional<WireFailure> {
    // Read again: another bind may have counted a wrong code, or staff issued a new one,
    // since begin_bind.
    auto code = db.prepare(
        "SELECT generation, code_hash, expires_at, failed_attempts FROM verification_codes WHERE account_id = ?");
    code.bind(1, account_id);
    if (!code.step()) return wire("SITE-ACCOUNT-UNKNOWN", "account without a verification code");
    const int64_t generation = code.column_int(0);
    const std::string hash = code.column_text(1);
    const int64_t expires_at = code.column_int(2);
    const int64_t failed = code.column_int(3);
    if (failed >= kMaxWrongCodes) {
      code_event(db, account_id, generation, challenge_id, "locked", now);
      return wire("SITE-CODE-LOCKED", "locked after " + std::to_string(failed) + " wrong codes");
    }
    if (now >= expires_at) {
      code_event(db, account_id, generation, challenge_id, "expired", now);
      return wire("SITE-CODE-EXPIRED", "code expired");
    }
    if (!verify_secret(given, hash)) {
      db.prepare("UPDATE verification_codes SET failed_attempts = failed_attempts + 1 WHERE account_id = ?")
          .bind(1, account_id)
          .run();
      code_event(db, account_id, generation, challenge_id, "wrong", now);
      WireFailure f = wire("SITE-CODE-WRONG", "wrong code");
      f.attempts_left = static_cast<int>(kMaxWrongCodes - failed - 1);
      return f;
    }
    code_event(db, account_id, generation, challenge_id, "right", now);
    return std::nullopt;
  });
}

std::variant<ChallengeRow, WireFailure> begin_login(Database& db, const std::string& challenge_id,
                                                    const std::string& client_id, int64_t now) {
  return db.transaction([&]() -> std::variant<ChallengeRow, WireFailure> {
    auto taken = take_challenge(db, challenge_id, client_id, now);
    if (auto* c = std::get_if<ChallengeRow>(&taken); c && c->purpose != "login")
      return wire("SITE-CHALLENGE-MISMATCH", "purpose " + c->purpose);
    return taken;
  });
}

void store_binding(Database& db, int64_t account_id, const Binding& b, const std::string& challenge_id, int64_t now) {
  db.transaction([&] {
    // The certificates this binding replaces stop working; remember them to say so.
    db.prepare(
          "INSERT OR REPLACE INTO replaced_bindings(fingerprint, account_id, login_type, serial, replaced_at) "
          "SELECT fingerprint, account_id, login_type, serial, ?1 FROM bindings WHERE account_id = ?2 AND "
          "login_type = ?3 AND fingerprint <> ?4")
        .bind(1, now)
        .bind(2, account_id)
        .bind(3, b.login_type)
        .bind(4, b.fingerprint)
        .run();
    db.prepare("DELETE FROM replaced_bindings WHERE fingerprint = ?").bind(1, b.fingerprint).run();
    db.prepare("DELETE FROM bindings WHERE fingerprint = ? OR (account_id = ? AND login_type = ?)")
        .bind(1, b.fingerprint)
        .bind(2, account_id)
        .bind(3, b.login_type)
        .run();
    auto ins = db.prepare(
          "INSERT INTO bindings(account_id, login_type, subject, issuer, serial, fingerprint, challenge_id, bound_at, "
          "holder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, account_id)
        .bind(2, b.login_type)
        .bind(3, b.subject)
        .bind(4, b.issuer)
        .bind(5, b.serial)
        .bind(6, b.fingerprint)
        .bind(7, challenge_id)
        .bind(8, now);
    if (b.holder.empty())
      ins.bind_null(9);
    else
      ins.bind(9, b.holder);
    ins.run();
  });
}

std::optional<WireFailure> unbound_certificate_reason(Database& db, const std::string& fingerprint,
                                                      const std::string& holder) {
  auto replaced = db.prepare("SELECT serial FROM replaced_bindings WHERE fingerprint = ?");
  replaced.bind(1, fingerprint);
  if (replaced.step()) return wire("SITE-CERT-REPLACED", "certificate " + replaced.column_text(0) + " was re-bound");
  if (holder.empty()) return std::nullopt;
  auto bound = db.prepare("SELECT serial FROM bindings WHERE holder = ? AND fingerprint <> ?");
  bound.bind(1, holder).bind(2, fingerprint);
  if (bound.step()) return wire("SITE-CERT-RENEWED", "holder " + holder + " has certificate " + bound.column_text(0) + " bound");
  return std::nullopt;
}

std::optional<std::pair<Account, std::string>> find_bound_account(Database& db, const std::string& issuer,
                                                                  const std::string& serial,
                                                                  const std::string& fingerprint) {
  auto s = db.prepare(
      "SELECT a.id, a.ubn, a.control_no, a.company_name, a.owner_id, a.citizen_login, a.business_login, b.login_type "
      "FROM bindings b JOIN accounts a ON a.id = b.account_id WHERE b.issuer = ? AND b.serial = ? AND b.fingerprint = ?");
  s.bind(1, issuer).bind(2, serial).bind(3, fingerprint);
  if (!s.step()) return std::nullopt;
  Account a = read_account(s);
  return std::make_pair(a, s.column_text(7));
}

std::optional<Account> find_account(Database& db, int64_t id) {
  auto s = db.prepare(std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_account(s);
}

void create_session(Database& db, const std::string& token_hash, int64_t account_id, const std::string& login_type,
                    const std::string& challenge_id, int64_t now, int64_t ttl) {
  db.transaction([&] {
    db.prepare(
          "INSERT INTO sessions(token_hash, account_id, login_type, challenge_id, created_at, expires_at) "
          "VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, token_hash)
        .bind(2, account_id)
        .bind(3, login_type)
        .bind(4, challenge_id)
        .bind(5, now)
        .bind(6, now + ttl)
        .run();
  });
}

std::optional<SessionInfo> find_session(Database& db, const std::string& token_hash, int64_t now) {
  auto s = db.prepare(
      "SELECT account_id, login_type, expires_at FROM sessions WHERE token_hash = ? AND logged_out_at IS NULL "
      "AND expires_at > ?");
  s.bind(1, token_hash).bind(2, now);
  if (!s.step()) return std::nullopt;
  const int64_t account_id = s.column_int(0);
  SessionInfo info;
  info.login_type = s.column_text(1);
  info.expires_at = s.column_int(2);
  auto a = find_account(db, account_id);
  if (!a) return std::nullopt;
  info.account = *a;
  return info;
}

bool end_session(Database& db, const std::string& token_hash, int64_t now) {
  return db.transaction([&] {
    db.prepare("UPDATE sessions SET logged_out_at = ? WHERE token_hash = ? AND logged_out_at IS NULL AND expires_at > ?")
        .bind(1, now)
        .bind(2, token_hash)
        .bind(3, now)
        .run();
    return db.changes() > 0;
  });
}

int64_t prune_expired(Database& db, int64_t now, int64_t retain) {
  const int64_t before = now - retain;
  return db.transaction([&] {
    int64_t deleted = 0;
    db.prepare("DELETE FROM sessions WHERE expires_at <= ?1 OR logged_out_at <= ?1").bind(1, before).run();
    deleted += db.changes();
    db.prepare("DELETE FROM code_events WHERE at <= ?").bind(1, before).run();
    deleted += db.changes();
    // A binding keeps the challenge it was made with (its foreign key): those stay, one per
    // binding at most.
    db.prepare(
          "DELETE FROM challenges WHERE expires_at <= ?1 "
          "AND NOT EXISTS (SELECT 1 FROM bindings b WHERE b.challenge_id = challenges.id) "
          "AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.challenge_id = challenges.id) "
          "AND NOT EXISTS (SELECT 1 FROM code_events e WHERE e.challenge_id = challenges.id)")
        .bind(1, before)
        .run();
    deleted += db.changes();
    return deleted;
  });
}

TableSizes table_sizes(Database& db) {
  auto count = [&](const char* sql) {
    auto s = db.prepare(sql);
    s.step();
    return s.column_int(0);
  };
  return {count("SELECT count(*) FROM challenges"), count("SELECT count(*) FROM sessions"),
          count("SELECT count(*) FROM code_events")};
}

}  // namespace certwiz::site_server

#pragma once
// The site client (docs/site-protocol.md): company lookup, account application,
// certificate binding and certificate login, over the project's HTTP client, with the
// challenge signed through the card (PKCS#11) or the local signing component (the
// browser's path). Used by `certwiz apply --submit`, `certwiz bind`, `certwiz
// login-test` and the wizard's binding and test-login pages. Nothing here prints.
//
// The PIN goes to the card or to the local signing component only; no request to the
// site ever carries it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/profile/site_profile.h"
#include "checks/core/cancel.h"
#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/form/form.h"
#include "checks/form/submit.h"
#include "checks/net/http.h"
#include "checks/site/protocol.h"

namespace certwiz::site {

// Bounds on what the client reads from a site: real answers are a few hundred bytes.
inline constexpr std::size_t kMaxAnswerBytes = 256 * 1024;

enum class LoginType { business, citizen };
std::string_view login_type_name(LoginType t);  // "business" | "citizen"
std::optional<LoginType> parse_login_type(std::string_view name);

// ---- answers ------------------------------------------------------------------------

struct Company {
  std::string ubn, name, owner, address;
};

struct ApplicationReceipt {
  std::string id;      // "APP-000001"
  std::string status;  // "pending"
};

// The review of an application (GET {status}, docs/site-protocol.md "Review states").
enum class ApplicationState { pending, approved, rejected };
std::string_view application_state_name(ApplicationState s);  // "pending" | "approved" | "rejected"
struct ApplicationStatus {
  std::string id;  // "APP-000001"
  ApplicationState state = ApplicationState::pending;
  std::string received_at, updated_at;  // RFC 3339, as the site sent them (display-safe)
  std::string code_expires_at;          // approved: when the verification code sent expires
  std::string reason;                   // rejected: the site's reason code ("attachment-unreadable")
  Text reason_message;                  // rejected: the site's own words
  std::string note;                     // rejected: the reviewer's note (display-safe)
};

struct Challenge {
  std::string id;        // challenge_id
  std::string nonce;
  std::string tbs;       // the exact bytes to sign
  int expires_in = 0;    // seconds
  std::string expires_at;
  Tbs parsed;            // what parse_tbs() read from `tbs`
};

struct BoundCertificate {
  std::string subject, issuer, serial, fingerprint_sha256;
};

struct BindResult {
  LoginType login_type = LoginType::business;
  Text message;  // the site's "綁定成功" / "Binding succeeded"
  BoundCertificate certificate;
};

struct SessionInfo {
  std::string token;  // opaque; also kept by the client as the certwiz_session cookie
  int expires_in = 0;
  std::string ubn, company_name;
  LoginType login_type = LoginType::business;
};

// Extras of the last error answer, for front ends that show more than the code.
struct FieldProblem {
  std::string field;  // "ubn", "reg_address.district"
  std::string code;   // "FORM-UBN-CHECKSUM"
};
struct SiteFailure {
  long http_status = 0;          // 0 when there was no HTTP answer
  std::string code;              // same as the Error's code
  Text message;                  // the site's own message, when it sent one
  int attempts_left = -1;        // SITE-CODE-WRONG
  std::vector<FieldProblem> fields;  // SITE-FORM-INVALID
};

// ---- answer parsers (pure; fuzzed) --------------------------------------------------
// Each takes the HTTP status and body of an answer. A well-formed error answer becomes
// its wire code (detail: "HTTP 404: <message>"); any other shape, or a success answer
// missing a field, is SITE-ANSWER-MALFORMED. `failure` (optional) receives the extras.
Expected<Company> parse_lookup_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
Expected<ApplicationReceipt> parse_apply_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
Expected<ApplicationStatus> parse_status_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
Expected<Challenge> parse_challenge_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
Expected<BindResult> parse_bind_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
Expected<SessionInfo> parse_login_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
Expected<SessionInfo> parse_session_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
Expected<bool> parse_logout_answer(long status, std::string_view body, SiteFailure* failure = nullptr);
// The error answer alone: the Error for a 4xx/5xx answer (SITE-ANSWER-MALFORMED when
// its body is not the documented shape or names a code outside the catalogue).
Error error_from_answer(long status, std::string_view body, SiteFailure* failure = nullptr);

// What the client expects a challenge to say. SITE-CHALLENGE-UNEXPECTED otherwise.
struct ChallengeExpectation {
  Purpose purpose = Purpose::login;
  std::string site;  // host of the site profile's base_url
  std::string ubn, control_no;  // bind only
};
Expected<Tbs> check_challenge(const Challenge& c, const ChallengeExpectation& expected);

// What a review state means for the user: nullopt when approved (go and bind);
// SITE-APPLICATION-PENDING while under review; a SITE-APPLICATION-REJECTED-* code per reason
// (detail: the reviewer's note).
std::optional<Error> application_status_error(const ApplicationStatus& s);

// ---- the client ---------------------------------------------------------------------

struct SiteClientOptions {
  std::string proxy;  // empty: the environment's; "direct": none
  // More CA files (PEM) to trust for the site's TLS certificate, besides the profile's.
  std::vector<std::string> extra_ca_files;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(20)};
  std::optional<CancelToken> cancel;  // cancel() aborts the request in flight (ENGINE-CANCELLED)
};

// One client = one browser session with the site: it keeps the certwiz_client and
// certwiz_session cookies in memory (never on disk). Not thread-safe; use one per thread.
class SiteClient {
 public:
  explicit SiteClient(SiteProfile profile, SiteClientOptions options = {});
  ~SiteClient();
  SiteClient(const SiteClient&) = delete;
  SiteClient& operator=(const SiteClient&) = delete;

  const SiteProfile& profile() const { return profile_; }

  // GET {lookup}?ubn=. Errors: SITE-UBN-INVALID, SITE-COMPANY-NOT-FOUND, NET-*, ...
  Expected<Company> lookup(const std::string& ubn);
  // POST {apply}: the validated form plus the password (only this request carries it,
  // over TLS, to the site that stores it hashed). SITE-FORM-INVALID, SITE-ACCOUNT-EXISTS.
  Expected<ApplicationReceipt> apply(const form::ValidatedForm& form, const Secret& password);
  // GET {status}?id=&ubn=: the review state of an application (SITE-APPLICATION-UNKNOWN).
  Expected<ApplicationStatus> application_status(const std::string& id, const std::string& ubn);
  // The same as multipart/form-data with the scanned attachments: part "application" (the
  // JSON body) and one part "attachment" per file. SITE-ATTACHMENT-INVALID when the site's
  // own check refuses one (last_failure()->fields names it: "attachment[0]").
  Expected<ApplicationReceipt> apply(const form::ValidatedForm& form, const Secret& password,
                                     std::span<const form::AttachmentUpload> attachments);
  // POST {challenge}; checks the tbs with check_challenge() before returning it.
  Expected<Challenge> challenge(Purpose purpose, const std::string& ubn = {}, const std::string& control_no = {});
  struct BindFields {
    std::string ubn, control_no, verification_code;
    LoginType login_type = LoginType::business;
  };
  Expected<BindResult> bind(const Challenge& c, const BindFields& fields, std::span<const uint8_t> cms);
  // On success the session token is kept (cookie) for session() and logout().
  Expected<SessionInfo> login(const Challenge& c, std::span<const uint8_t> cms);
  Expected<SessionInfo> session();
  Expected<bool> logout();

  // The extras of the last error answer (cleared by every call).
  const std::optional<SiteFailure>& last_failure() const { return last_failure_; }
  // A cookie the site set, for tests and diagnostics ("certwiz_client").
  std::optional<std::string> cookie(const std::string& name) const;
  // The host and origin of the site's page, as the local signing component sees it.
  std::string host() const { return profile_.host(); }
  std::string origin() const;

 private:
  struct Answer;
  Expected<Answer> request(const std::string& method, const std::string& endpoint, std::string_view query,
                           std::string_view body, std::span<const net::HttpPart> parts = {});
  std::string endpoint_url(const std::string& endpoint, std::string_view query) const;
  void take_cookies(const std::vector<std::string>& set_cookie);

  SiteProfile profile_;
  SiteClientOptions options_;
  std::string ca_pem_;  // the profile's and extra CA files, concatenated
  std::optional<Error> ca_error_;
  std::map<std::string, std::string> cookies_;
  std::optional<SiteFailure> last_failure_;
};

// ---- signing paths ------------------------------------------------------------------

enum class SigningPath { card, localsign };
std::string_view signing_path_name(SigningPath p);  // "card" | "localsign"

// Signs a challenge's tbs exactly as received, as CMS SignedData (DER) with the nonce
// attribute. Implementations hold the PIN only to hand it to the card or component.
class ChallengeSigner {
 public:
  virtual ~ChallengeSigner() = default;
  virtual SigningPath path() const = 0;
  virtual Expected<std::vector<uint8_t>> sign(const Challenge& c) = 0;
  // Whether a failure so far was the card refusing the PIN: the caller must not offer
  // the same PIN to the card again (another path would spend another try).
  virtual bool pin_rejected() const = 0;
};

struct CardSignerOptions {
  std::string module;      // PKCS#11 module path (CERTWIZ_PKCS11_MODULE or discovery)
  std::string reader;      // slot description; empty: the only card
  bool confirm_final_try = false;
  std::chrono::milliseconds call_timeout{std::chrono::seconds(15)};
};
// Path (a): the card through PKCS#11 (checks/pkcs11: ModuleHost, PinGuard, sign_cms).
// Logs in once (PinGuard: reads the retry state first, refuses the final try unless
// confirmed, never retries) and signs any number of challenges in that session.
// Thread-safe: concurrent sign() calls are serialised.
class CardSigner : public ChallengeSigner {
 public:
  CardSigner(CardSignerOptions options, std::shared_ptr<const Secret> pin);
  ~CardSigner() override;
  SigningPath path() const override { return SigningPath::card; }
  Expected<std::vector<uint8_t>> sign(const Challenge& c) override;
  bool pin_rejected() const override;
  // PIN state evidence of the last login attempt (never the PIN), tries left if known.
  Json pin_evidence() const;
  std::optional<int> tries_left() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

struct LocalSignSignerOptions {
  std::string url = "http://127.0.0.1:61161";
  std::string origin;            // the site page's origin (SiteClient::origin())
  std::string slot_description;  // the reader; empty: the component's choice
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // Before the PIN goes to the component, the card's retry state is read through the
  // PKCS#11 module diagnose would use (this explicit one first, when set; then HiCOS's
  // install paths and p11-kit registrations; then a registered module describing itself
  // as the component's does): the component itself spends the final try without asking.
  // A locked card is refused; the final try, or a state that cannot be read
  // (SITE-PIN-STATE-UNKNOWN), only with confirm_final_try.
  std::string pin_state_module;
  std::string pin_state_reader;
  bool confirm_final_try = false;
  std::chrono::milliseconds pin_state_timeout{std::chrono::seconds(15)};
};
// Path (b): the local signing component (POST /sign, tbsPackage, signatureType PKCS7),
// as the site's web page calls it. Its ret_code maps to the LOCALSIGN-* codes
// (0x76000031 → LOCALSIGN-SITE-NOT-TRUSTED).
class LocalSignSigner : public ChallengeSigner {
 public:
  LocalSignSigner(LocalSignSignerOptions options, std::shared_ptr<const Secret> pin);
  SigningPath path() const override { return SigningPath::localsign; }
  Expected<std::vector<uint8_t>> sign(const Challenge& c) override;
  bool pin_rejected() const override { return pin_rejected_; }
  uint32_t last_ret_code() const { return last_ret_code_; }
  // Where the retry state was read before the PIN went out ({"module","source",
  // "tries_left"} or {"unknown": code}); empty before the first sign().
  const Json& pin_state_evidence() const { return pin_state_evidence_; }

 private:
  std::optional<Error> check_pin_state();
  LocalSignSignerOptions options_;
  std::shared_ptr<const Secret> pin_;
  bool pin_rejected_ = false;
  bool pin_state_checked_ = false;
  Json pin_state_evidence_ = Json::object();
  uint32_t last_ret_code_ = 0;
};

// ---- flows (what `certwiz bind` / `login-test` and the wizard pages run) -------------

// challenge → check → sign → bind, with one signer.
Expected<BindResult> bind_with(SiteClient& client, ChallengeSigner& signer, const SiteClient::BindFields& fields);
// challenge → check → sign → login (the client then holds the session).
Expected<SessionInfo> login_with(SiteClient& client, ChallengeSigner& signer);

// One signing path's outcome in a multi-path run.
struct PathOutcome {
  SigningPath path = SigningPath::card;
  bool attempted = false;      // false: skipped (see `error` for why)
  bool ok = false;
  std::optional<Error> error;  // the failure (or the reason for skipping)
  std::optional<BindResult> bound;      // bind runs
  std::optional<SessionInfo> session;   // login runs (token already logged out when `logged_out`)
  bool session_checked = false;  // GET {session} confirmed the session
  bool logged_out = false;
  double ms = 0;
};
struct PathsReport {
  std::vector<PathOutcome> paths;
  // Empty when every attempted path worked. SITE-BROWSER-PATH-FAILS when the card path
  // works and the local signing component's fails; SITE-CARD-PATH-FAILS for the reverse;
  // the common code when every path failed the same way; else SITE-NO-SIGNING-PATH.
  std::optional<Error> verdict;
  bool ok() const { return !verdict; }
};
// The summary over outcomes (exposed for tests and the GUI).
std::optional<Error> paths_verdict(const std::vector<PathOutcome>& paths);

struct FlowOptions {
  // Run by the flows after each path, for progress display (optional).
  std::function<void(const PathOutcome&)> on_path;
  std::optional<CancelToken> cancel;
};
// Binds through each signer in turn (card first). A path is skipped when an earlier one
// had the card reject the PIN (it would spend another try) or on cancel.
PathsReport bind_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                       const std::vector<ChallengeSigner*>& signers, const SiteClient::BindFields& fields,
                       const FlowOptions& flow = {});
// Logs in through each signer with a fresh client each, checks the session, logs out.
PathsReport login_paths(const SiteProfile& profile, const SiteClientOptions& client_options,
                        const std::vector<ChallengeSigner*>& signers, const FlowOptions& flow = {});

// ---- form integration ---------------------------------------------------------------

// The form's 載入 over the site's lookup endpoint.
class SiteCompanyLookup : public form::CompanyLookup {
 public:
  explicit SiteCompanyLookup(SiteClient& client) : client_(client) {}
  Expected<form::CompanyRecord> find(const std::string& ubn) override;

 private:
  SiteClient& client_;
};

// `certwiz apply --submit` and the wizard's submit button.
class SiteApplicationSubmitter : public form::ApplicationSubmitter {
 public:
  explicit SiteApplicationSubmitter(std::unique_ptr<SiteClient> client) : client_(std::move(client)) {}
  Expected<form::SubmissionReceipt> submit(const form::ValidatedForm& form, const Secret& password,
                                           std::span<const form::AttachmentUpload> attachments) override;
  SiteClient& client() { return *client_; }

 private:
  std::unique_ptr<SiteClient> client_;
};

// The site profile for the client: `path_or_name` when given, else the lab's
// CERTWIZ_LAB_SITE_PROFILE when set, else the default profile.
Expected<SiteProfile> load_client_profile(const std::string& path_or_name);

// The form's ValidatedForm plus the password as the apply request's JSON body, in a
// buffer the caller wipes (docs/application-form.md keys).
std::string application_body(const form::ValidatedForm& form, const Secret& password);

}  // namespace certwiz::site

#pragma once
// The site's answers (docs/site-protocol.md) as the client reads them: one pure parser per
// endpoint, the error answer, and what a challenge and a review state must say. Nothing
// here makes a request; the parsers are fuzzed (tests/fuzz/site_answers).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"
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

// Shared with the endpoint calls, which check an answer against their request.
Error malformed_answer(std::string detail);  // SITE-ANSWER-MALFORMED
// Site text in a one-line detail: bounded, display-safe.
std::string one_line(std::string_view site_text, size_t max = 200);

}  // namespace certwiz::site

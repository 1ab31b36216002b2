#pragma once
// One browser session with the site (docs/site-protocol.md): HTTPS through the project's
// HTTP client, the site's cookies kept in memory, and one call per endpoint (lookup,
// apply, status, challenge, bind, login, session, logout). HTTP and cookies are in
// session.cpp, the endpoint calls in endpoints.cpp; the answers are read by answers.h.
// No request to the site ever carries the card's PIN.
#include <chrono>
#include <cstdint>
#include <map>
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
#include "checks/site/answers.h"
#include "checks/site/protocol.h"

namespace certwiz::site {

// The origin of the site's page ("https://host[:port]"), as the local signing component sees it.
std::string site_origin(const SiteProfile& profile);

// The site profile for the client: `path_or_name` when given, else the lab's
// CERTWIZ_LAB_SITE_PROFILE when set, else the default profile.
Expected<SiteProfile> load_client_profile(const std::string& path_or_name);

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
  std::string origin() const { return site_origin(profile_); }

 private:
  struct Answer {
    long status = 0;
    std::string body;
  };
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

// The form's ValidatedForm plus the password as the apply request's JSON body, in a
// buffer the caller wipes (docs/application-form.md keys).
std::string application_body(const form::ValidatedForm& form, const Secret& password);

}  // namespace certwiz::site

#pragma once
// A test's view of the site: HTTPS to it (trusting only the lab's TLS CA), the cookies
// it sets kept like a browser would, JSON in and out; and the bind / login steps.
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/lab/site/testkit/lab_signer.h"

namespace httplib {
class SSLClient;
}

namespace certwiz::site_testkit {

struct Answer {
  int status = 0;  // 0: no answer (connection failed)
  nlohmann::json body;
  std::string raw;
  std::string set_cookie;
  std::string date;  // the Date header
  std::string error_code() const;  // body.error.code, empty when none
};

class SiteClient {
 public:
  SiteClient(std::string host, int port, std::string tls_ca_file);
  ~SiteClient();
  SiteClient(SiteClient&&) noexcept;

  Answer get(const std::string& path, const std::string& bearer = {});
  Answer post(const std::string& path, const std::string& body, const std::string& bearer = {});
  Answer post_json(const std::string& path, const nlohmann::json& body, const std::string& bearer = {});

  // The protocol's steps (default endpoint paths).
  Answer challenge_login();
  Answer challenge_bind(const std::string& ubn, const std::string& control_no);
  // challenge → sign → bind / login; the answer of the last request.
  Answer bind(const SignerFiles& card, const std::string& login_type, const std::string& ubn,
              const std::string& control_no, const std::string& code);
  Answer login(const SignerFiles& card);

  std::map<std::string, std::string>& cookies() { return cookies_; }
  // Connect from this local address (any of 127.0.0.0/8 on loopback): another client
  // address, as the site sees it.
  void set_source_address(const std::string& ip);

 private:
  Answer finish(int status, const std::string& body, const std::string& set_cookie, const std::string& date);
  std::unique_ptr<httplib::SSLClient> http_;
  std::map<std::string, std::string> cookies_;
  std::string cookie_header() const;
};

inline constexpr const char* kLookup = "/api/certwiz/v1/company";
inline constexpr const char* kApply = "/api/certwiz/v1/application";
inline constexpr const char* kChallenge = "/api/certwiz/v1/challenge";
inline constexpr const char* kBind = "/api/certwiz/v1/bind";
inline constexpr const char* kLogin = "/api/certwiz/v1/login";
inline constexpr const char* kLogout = "/api/certwiz/v1/logout";
inline constexpr const char* kSession = "/api/certwiz/v1/session";

}  // namespace certwiz::site_testkit

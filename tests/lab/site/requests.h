#pragma once
// The site's request bodies (docs/site-protocol.md), read strictly: a JSON object with
// every required field of the right type, else SITE-BODY-MALFORMED. Also the error a
// handler answers with (wire code + HTTP status), shared by every endpoint.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tests/lab/site/wire.h"

namespace certwiz::site_server {

struct WireFailure {
  std::string code;        // a wire code, "SITE-NONCE-EXPIRED"
  int status = 400;        // its HTTP status
  int attempts_left = -1;  // SITE-CODE-WRONG only
  std::string detail;      // for the server log, never sent
  nlohmann::json extra;    // added to the body (SITE-FORM-INVALID: "fields")
};

// The HTTP status of each wire code (the table of docs/site-protocol.md).
int wire_status(std::string_view code);
WireFailure wire(std::string_view code, std::string detail = {});
// The error answer's body: {"error": {"code", "message", "message_zh"}} plus
// "attempts_left" when >= 0; the messages are the site's own.
std::string error_body(std::string_view code, int attempts_left = -1);

template <typename T>
struct Parsed {
  std::optional<T> value;
  WireFailure failure;
  bool ok() const { return value.has_value(); }
};

struct ChallengeRequest {
  Purpose purpose = Purpose::login;
  std::string ubn, control_no;  // bind only
};
struct BindRequest {
  std::string challenge_id, ubn, control_no, verification_code, login_type, signature;
};
struct LoginRequest {
  std::string challenge_id, signature;
};

Parsed<ChallengeRequest> parse_challenge_request(std::string_view body);
Parsed<BindRequest> parse_bind_request(std::string_view body);
Parsed<LoginRequest> parse_login_request(std::string_view body);

// "Bearer <token>" → token; empty otherwise.
std::string bearer_token(std::string_view authorization);
// The value of one cookie in a Cookie header; empty when absent.
std::string cookie_value(std::string_view cookie_header, std::string_view name);
// A client or session token as this site issues them (43 base64url characters).
bool well_formed_token(std::string_view token);

}  // namespace certwiz::site_server

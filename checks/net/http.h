#pragma once
// A small HTTP(S) client over libcurl for probes and site clients: one request, a
// time limit, proxy and CA settings, and failures classified so each gets its own code.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/cancel.h"
#include "checks/core/result.h"

namespace certwiz::net {

// One part of a multipart/form-data body (RFC 7578): a field, or a file when file_name is
// set. The data is streamed from `data`, never copied (it may hold a password).
struct HttpPart {
  std::string name;
  std::string_view data;  // must outlive the call
  std::string file_name;
  std::string content_type;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // not copied: must outlive the call
  // When not empty: a POST of these parts as multipart/form-data (body is then ignored).
  std::vector<HttpPart> parts;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};
  // Proxy: empty = the environment's (http_proxy, https_proxy, no_proxy); "direct" = none.
  std::string proxy;
  // Extra CA bundle (PEM) for TLS verification; verification is never turned off.
  std::string ca_file;
  // The same as PEM text (not copied: must outlive the call); used when non-empty.
  std::string_view ca_pem;
  // Cookie jar (read and written) for a site session.
  std::string cookie_file;
  size_t max_body = 16 * 1024 * 1024;
  const CancelToken* cancel = nullptr;
};

// Why a request produced no HTTP answer.
enum class HttpFailure { none, dns, refused, timeout, tls_verify, tls_handshake, proxy, too_large, cancelled, other };
std::string_view failure_name(HttpFailure f);

struct HttpResponse {
  HttpFailure failure = HttpFailure::none;
  std::string error;       // curl's message when failure != none
  bool timed_out = false;  // the connect or total time limit ran out
  long proxy_status = 0;   // the proxy's answer to CONNECT (0: none, or no tunnel was asked for)
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::vector<std::string> set_cookies;        // every Set-Cookie value of the final answer, in order
  std::string body;
  double total_ms = 0;
  std::string primary_ip;  // the address actually connected to
  bool ok() const { return failure == HttpFailure::none; }
};

HttpResponse http_request(const HttpRequest& req);

// Percent-encodes for application/x-www-form-urlencoded ('+' becomes %2B).
std::string form_encode(std::string_view s);
// The same, appended to `out` in place (no temporary copy: for secrets in a wiped buffer).
void form_encode_append(std::string& out, std::string_view s);

}  // namespace certwiz::net

#pragma once
// The one HTTP(S) transport (the only code that calls libcurl): probes, the site and
// local-component clients, revocation fetching and the installer's downloads. One request
// per call: time limits (connect, total, stall), proxy and CA settings, a body cap, and
// failures classified so each caller can give each its own code. Bodies are kept in the
// answer or streamed (on_head, on_data); a download resumes with resume_from, and the
// answer says whether the server honoured the Range (HttpResponse::resume).
#include <chrono>
#include <cstdint>
#include <functional>
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

struct HttpResponse;

// How far the body of the current answer has come (for a resumed request: this answer's bytes).
struct HttpProgress {
  std::uint64_t received = 0;
  std::uint64_t expected = 0;  // 0 when the server gave no length
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // not copied: must outlive the call
  // When not empty: a POST of these parts as multipart/form-data (body is then ignored).
  std::vector<HttpPart> parts;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};  // the whole exchange; zero: no limit
  // Stall limit: fewer than stall_bytes_per_second for stall_time ends it (HttpFailure::stalled).
  long stall_bytes_per_second = 0;
  std::chrono::seconds stall_time{0};
  // Resume: asks for the bytes from here on (Range), joined to the caller's copy only when
  // the server still has that version: if_range names it (a strong ETag or a date).
  std::uint64_t resume_from = 0;
  std::string if_range;
  int max_redirects = 0;    // redirects followed (0: none), on the allowed protocols only
  bool https_only = false;  // else http and https
  std::string user_agent;
  bool peer_certificate = false;  // fills HttpResponse::peer_subject and peer_issuer
  // Proxy: empty = the environment's (http_proxy, https_proxy, no_proxy); "direct" = none.
  std::string proxy;
  // Extra CA bundle (PEM) for TLS verification; verification is never turned off.
  std::string ca_file;
  // The same as PEM text (not copied: must outlive the call); used when non-empty.
  std::string_view ca_pem;
  // Cookie jar (read and written) for a site session.
  std::string cookie_file;
  size_t max_body = 16 * 1024 * 1024;  // bytes of the answer's body, kept or streamed
  const CancelToken* cancel = nullptr;
  // Streaming. on_head sees the final answer's status, headers and resume verdict before
  // its first body byte (or at the end when it has none); on_data then gets the body,
  // which is not kept in HttpResponse::body. Either returning false ends the exchange
  // (HttpFailure::stopped): an error page is not to be kept, a disk is full.
  std::function<bool(const HttpResponse&)> on_head;
  std::function<bool(std::string_view)> on_data;
  std::function<void(const HttpProgress&)> on_progress;  // often; from the calling thread
};

// Why a request produced no HTTP answer.
// stalled: the stall limit; interrupted: the connection broke midway; stopped: on_head or
// on_data said stop; bad_url: a scheme not allowed (also after a redirect) or too many redirects.
enum class HttpFailure {
  none, dns, refused, timeout, stalled, tls_verify, tls_handshake, proxy, too_large, interrupted, cancelled,
  stopped, bad_url, other
};
std::string_view failure_name(HttpFailure f);

// What the server did with a request for the rest of a file (HttpRequest::resume_from).
// whole_body: a 2xx other than 206 (Range ignored, or If-Range saw another version): the
// body is the whole file from its first byte, so the caller's copy must start over.
// other_range: a 206 starting elsewhere, which cannot be joined to the caller's copy.
// not_answered: no 2xx answer (an error status, or no answer at all).
enum class ResumeVerdict { not_asked, honoured, whole_body, other_range, not_answered };

struct HttpResponse {
  HttpFailure failure = HttpFailure::none;
  std::string error;       // curl's message when failure != none
  bool timed_out = false;  // the connect or total time limit ran out
  long proxy_status = 0;   // the proxy's answer to CONNECT (0: none, or no tunnel was asked for)
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::vector<std::string> set_cookies;        // every Set-Cookie value of the final answer, in order
  std::string body;               // empty when streamed to on_data
  std::uint64_t body_bytes = 0;  // of the final answer, kept or streamed
  ResumeVerdict resume = ResumeVerdict::not_asked;
  bool tls_name_mismatch = false;  // with tls_verify: a trusted certificate for another host
  bool ca_unusable = false;        // with tls_handshake: the CA file or PEM could not be used
  std::string peer_subject;        // the server's certificate, when asked for (peer_certificate)
  std::string peer_issuer;
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

#pragma once
// The site protocol's shared pieces (docs/site-protocol.md): the to-be-signed text of a
// challenge and the error answer's shape. Used by the client (checks/site) and by the
// lab's reference site (tests/lab/site), so both sides build and read the same bytes.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "checks/core/result.h"

namespace certwiz::site {

enum class Purpose { bind, login };
std::string_view purpose_name(Purpose p);                    // "bind" | "login"
std::optional<Purpose> parse_purpose(std::string_view name);

// What a challenge's to-be-signed text says.
struct Tbs {
  Purpose purpose = Purpose::login;
  std::string site;        // host of the site ("waste.moenv.gov.tw", "127.0.0.1")
  std::string nonce;       // base64url, 43 characters (32 bytes)
  std::string issued;      // RFC 3339 UTC, "2026-11-26T12:00:00Z"
  std::string ubn;         // bind only
  std::string control_no;  // bind only, may be empty
};

// "CertWiz-Challenge v1\npurpose: bind\nsite: ...\nnonce: ...\nissued: ...\nubn: ...\ncontrol_no: ..."
std::string make_tbs(const Tbs& tbs);
// Strict: the exact header, the exact keys in the exact order, LF only, no trailing LF,
// no key twice, values without control characters. Error SITE-CHALLENGE-UNEXPECTED.
Expected<Tbs> parse_tbs(std::string_view text);

// 32 random bytes (OpenSSL RAND_bytes) as base64url without padding (43 characters).
std::string random_token();
// RFC 3339 UTC with seconds, "2026-11-26T12:00:00Z".
std::string format_utc(std::chrono::system_clock::time_point t);

// The body of an error answer: {"error":{"code","message","message_zh"}} plus
// "attempts_left" when >= 0. Messages come from the failure catalogue when the code is in it.
std::string error_body(std::string_view code, int attempts_left = -1);

// Reads an error answer; nullopt when `body` does not have the shape above.
struct WireError {
  std::string code;
  std::string message, message_zh;
  int attempts_left = -1;
};
std::optional<WireError> parse_error_body(std::string_view body);

inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
inline constexpr int kChallengeSeconds = 120;

}  // namespace certwiz::site

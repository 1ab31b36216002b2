#pragma once
// The site's own side of the protocol text (docs/site-protocol.md): the to-be-signed
// text of a challenge, the random tokens it hands out and the time format it writes.
// Written here, not shared with CertWiz's client: the lab judges the client with a site
// that reads the document, not the client's code.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace certwiz::site_server {

inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

enum class Purpose { bind, login };
std::string_view purpose_name(Purpose p);
std::optional<Purpose> parse_purpose(std::string_view name);

struct ChallengeText {
  Purpose purpose = Purpose::login;
  std::string site, nonce, issued;  // issued: RFC 3339 UTC
  std::string ubn, control_no;      // bind only
};
// "CertWiz-Challenge v1\npurpose: ...\nsite: ...\nnonce: ...\nissued: ...[\nubn: ...\ncontrol_no: ...]"
std::string challenge_text(const ChallengeText& c);

// 32 bytes from RAND_bytes as unpadded base64url (43 characters).
std::string random_token();
// "2026-11-26T12:00:00Z"
std::string utc_text(int64_t epoch_seconds);

// Standard base64 (what the protocol's "signature" carries); nullopt when it is not.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace certwiz::site_server

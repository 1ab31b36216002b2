#include "tests/lab/site/wire.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <ctime>
#include <stdexcept>

namespace certwiz::site_server {

std::string_view purpose_name(Purpose p) { return p == Purpose::bind ? "bind" : "login"; }

std::optional<Purpose> parse_purpose(std::string_view name) {
  if (name == "bind") return Purpose::bind;
  if (name == "login") return Purpose::login;
  return std::nullopt;
}

std::string challenge_text(const ChallengeText& c) {
  std::string s = "CertWiz-Challenge v1\npurpose: ";
  s += purpose_name(c.purpose);
  s += "\nsite: " + c.site + "\nnonce: " + c.nonce + "\nissued: " + c.issued;
  if (c.purpose == Purpose::bind) s += "\nubn: " + c.ubn + "\ncontrol_no: " + c.control_no;
  return s;
}

std::string random_token() {
  std::array<unsigned char, 33> raw{};  // 33 bytes encode to 44 characters without padding
  if (RAND_bytes(raw.data(), 32) != 1) throw std::runtime_error("RAND_bytes failed");
  std::array<unsigned char, 48> b64{};
  const int n = EVP_EncodeBlock(b64.data(), raw.data(), 32);  // 44 characters, the last one '='
  std::string out(reinterpret_cast<const char*>(b64.data()), static_cast<size_t>(n));
  out.resize(43);
  for (char& ch : out) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  return out;
}

std::string utc_text(int64_t epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char ch : text)
    if (ch != '\n' && ch != '\r') clean += ch;
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding's zero bytes too.
  if (clean.back() == '=') --len;
  if (clean[clean.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

}  // namespace certwiz::site_server

#include "checks/pkcs11/protocol.h"

#include <array>

namespace certwiz::pkcs11::wire {
namespace {

using Clock = std::chrono::steady_clock;
using detail::recv_all;
using detail::send_all;

bool write_header(const Channel& fd, size_t n) {
  if (n > kMaxFrame) return false;
  const unsigned char h[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                              static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  return send_all(fd, reinterpret_cast<const char*>(h), 4);
}

ReadStatus read_header(const Channel& fd, uint32_t& n, std::optional<Clock::time_point> deadline) {
  unsigned char h[4];
  const ReadStatus s = recv_all(fd, reinterpret_cast<char*>(h), 4, deadline);
  if (s != ReadStatus::ok) return s;
  n = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | uint32_t{h[3]};
  return n > kMaxFrame ? ReadStatus::error : ReadStatus::ok;
}

ReadStatus read_payload(const Channel& fd, std::string& out, std::optional<Clock::time_point> deadline) {
  uint32_t n = 0;
  ReadStatus s = read_header(fd, n, deadline);
  if (s != ReadStatus::ok) return s;
  out.assign(n, '\0');
  return recv_all(fd, out.data(), n, deadline);
}

}  // namespace

bool write_frame(const Channel& fd, std::string_view payload) {
  return write_header(fd, payload.size()) && send_all(fd, payload.data(), payload.size());
}

bool write_secret_frame(const Channel& fd, const Secret& secret) {
  const std::string_view bytes = secret.reveal();
  return write_header(fd, bytes.size()) && send_all(fd, bytes.data(), bytes.size());
}

ReadStatus read_frame(const Channel& fd, std::string& out) { return read_payload(fd, out, std::nullopt); }

ReadStatus read_frame_until(const Channel& fd, std::string& out, Clock::time_point deadline) {
  return read_payload(fd, out, deadline);
}

ReadStatus read_secret_frame(const Channel& fd, Secret& out) {
  out.clear();
  uint32_t n = 0;
  ReadStatus s = read_header(fd, n, std::nullopt);
  if (s != ReadStatus::ok) return s;
  if (n > Secret::kMaxSize) return ReadStatus::error;
  // Byte by byte straight into the locked page: no intermediate buffer to wipe.
  for (uint32_t i = 0; i < n; ++i) {
    char c = 0;
    s = recv_all(fd, &c, 1, std::nullopt);
    if (s != ReadStatus::ok) {
      out.clear();
      return s;
    }
    out.push_back(c);
    c = 0;
  }
  return ReadStatus::ok;
}

// Base64 by hand instead of OpenSSL's EVP_EncodeBlock: the module host links no
// third-party library (it is built for Windows with MinGW, issue 19), and both sides
// share this file.
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(4 * ((bytes.size() + 2) / 3));
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out.push_back(kBase64[(v >> shift) & 63]);
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (rest == 2 ? uint32_t{bytes[i + 1]} << 8 : 0u);
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  static const std::array<int8_t, 256> value = [] {
    std::array<int8_t, 256> v{};
    v.fill(-1);
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(kBase64[i])] = static_cast<int8_t>(i);
    return v;
  }();
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      const bool padding = c == '=' && i + 4 == text.size() && k >= 4 - pad;
      const int d = padding ? 0 : value[static_cast<unsigned char>(c)];
      if (d < 0) return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
  }
  out.resize(out.size() - pad);
  return out;
}

std::string hex_encode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::optional<std::vector<uint8_t>> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<uint8_t> out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

}  // namespace certwiz::pkcs11::wire

#include "checks/pkcs11/protocol.h"

#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace certwiz::pkcs11::wire {
namespace {

using Clock = std::chrono::steady_clock;

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    // MSG_NOSIGNAL: a dead peer must give an error, not a SIGPIPE.
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads exactly n bytes; with a deadline, waits with poll between reads.
ReadStatus recv_all(int fd, char* p, size_t n, std::optional<Clock::time_point> deadline) {
  while (n > 0) {
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return ReadStatus::timeout;
      pollfd pfd{fd, POLLIN, 0};
      const int pr = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 60'000)));
      if (pr < 0) {
        if (errno == EINTR) continue;
        return ReadStatus::error;
      }
      if (pr == 0) continue;
    }
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r == 0) return ReadStatus::closed;
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno == ECONNRESET ? ReadStatus::closed : ReadStatus::error;
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
  return ReadStatus::ok;
}

bool write_header(int fd, size_t n) {
  if (n > kMaxFrame) return false;
  const unsigned char h[4] = {static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
                              static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  return send_all(fd, reinterpret_cast<const char*>(h), 4);
}

ReadStatus read_header(int fd, uint32_t& n, std::optional<Clock::time_point> deadline) {
  unsigned char h[4];
  const ReadStatus s = recv_all(fd, reinterpret_cast<char*>(h), 4, deadline);
  if (s != ReadStatus::ok) return s;
  n = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | uint32_t{h[3]};
  return n > kMaxFrame ? ReadStatus::error : ReadStatus::ok;
}

ReadStatus read_payload(int fd, std::string& out, std::optional<Clock::time_point> deadline) {
  uint32_t n = 0;
  ReadStatus s = read_header(fd, n, deadline);
  if (s != ReadStatus::ok) return s;
  out.assign(n, '\0');
  return recv_all(fd, out.data(), n, deadline);
}

}  // namespace

bool write_frame(int fd, std::string_view payload) {
  return write_header(fd, payload.size()) && send_all(fd, payload.data(), payload.size());
}

bool write_secret_frame(int fd, const Secret& secret) {
  const std::string_view bytes = secret.reveal();
  return write_header(fd, bytes.size()) && send_all(fd, bytes.data(), bytes.size());
}

ReadStatus read_frame(int fd, std::string& out) { return read_payload(fd, out, std::nullopt); }

ReadStatus read_frame_until(int fd, std::string& out, Clock::time_point deadline) {
  return read_payload(fd, out, deadline);
}

ReadStatus read_secret_frame(int fd, Secret& out) {
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

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::vector<uint8_t>{};
  std::vector<uint8_t> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
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

#pragma once
// The wire format between CertWiz and certwiz-p11host: frames of a 4-byte big-endian
// length and a payload. Requests and answers are JSON objects; a PIN travels as its own
// raw frame right after the request that announces it, so it never passes through a
// std::string or a JSON value on either side.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/secret.h"

namespace certwiz::pkcs11::wire {

// Larger frames are a protocol error (the biggest answer is an object list with certificates).
inline constexpr uint32_t kMaxFrame = 16u << 20;

enum class ReadStatus { ok, closed, timeout, error };

// One side's ends of the connection: a connected socket on POSIX (both members the same
// descriptor), the read end of one anonymous pipe and the write end of the other on
// Windows (HANDLE values). channel_posix.cpp / channel_win.cpp move the bytes.
struct Channel {
  std::intptr_t in = -1;   // read from
  std::intptr_t out = -1;  // written to
  Channel() = default;
  Channel(int socket) : in(socket), out(socket) {}  // NOLINT(google-explicit-constructor): a socket is both ends
  Channel(std::intptr_t read_end, std::intptr_t write_end) : in(read_end), out(write_end) {}
  bool open() const { return in != -1 && out != -1; }
};

bool write_frame(const Channel& c, std::string_view payload);
bool write_secret_frame(const Channel& c, const Secret& secret);

// Blocking reads (the host side).
ReadStatus read_frame(const Channel& c, std::string& out);
ReadStatus read_secret_frame(const Channel& c, Secret& out);

// Reads one frame, giving up at `deadline` (the parent side).
ReadStatus read_frame_until(const Channel& c, std::string& out, std::chrono::steady_clock::time_point deadline);

namespace detail {
// The platform half: all of `n` bytes, or false (a dead peer gives false, never a signal).
bool send_all(const Channel& c, const char* p, size_t n);
// Exactly `n` bytes; with a deadline, waiting at most until then.
ReadStatus recv_all(const Channel& c, char* p, size_t n, std::optional<std::chrono::steady_clock::time_point> deadline);
}  // namespace detail

std::string base64_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);
std::string hex_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> hex_decode(std::string_view text);

}  // namespace certwiz::pkcs11::wire

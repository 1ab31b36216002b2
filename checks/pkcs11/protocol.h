#pragma once
// The wire format between CertWiz and certwiz-p11host: frames of a 4-byte big-endian
// length and a payload. Requests and answers are JSON objects; a PIN travels as its own
// raw frame right after the request that announces it, so it never passes through a
// std::string or a JSON value on either side.
#include <chrono>
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

bool write_frame(int fd, std::string_view payload);
bool write_secret_frame(int fd, const Secret& secret);

// Blocking reads (the host side).
ReadStatus read_frame(int fd, std::string& out);
ReadStatus read_secret_frame(int fd, Secret& out);

// Reads one frame, giving up at `deadline` (the parent side).
ReadStatus read_frame_until(int fd, std::string& out, std::chrono::steady_clock::time_point deadline);

std::string base64_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);
std::string hex_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> hex_decode(std::string_view text);

}  // namespace certwiz::pkcs11::wire

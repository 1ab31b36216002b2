#pragma once
// Salted PBKDF2-HMAC-SHA256 hashes (OpenSSL) for account passwords and verification
// codes, stored as "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"; and the
// verification code itself (8 characters without 0/O/1/I).
#include <string>
#include <string_view>

namespace certwiz::site_server {

inline constexpr int kPasswordIterations = 120000;
// A code lives 14 days and locks after 5 wrong tries; the hash only protects a stolen
// database file, so fewer rounds keep a bind request fast.
inline constexpr int kCodeIterations = 20000;

std::string hash_secret(std::string_view secret, int iterations);
// False for a wrong secret and for a malformed stored value.
bool verify_secret(std::string_view secret, std::string_view stored);

inline constexpr std::string_view kCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
std::string new_verification_code();  // 8 characters from kCodeAlphabet (RAND_bytes)

// Lower-case hex SHA-256 (session tokens are stored only as this).
std::string sha256_hex(std::string_view data);

}  // namespace certwiz::site_server

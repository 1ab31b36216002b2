#include "tests/lab/site/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace certwiz::site_server {
namespace {

std::string b64(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

bool unb64(std::string_view s, std::vector<unsigned char>& out) {
  if (s.empty() || s.size() % 4 != 0) return false;
  out.assign(3 * s.size() / 4 + 1, 0);
  int len = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (len < 0) return false;
  size_t pad = 0;
  if (s.back() == '=') ++pad;
  if (s.size() >= 2 && s[s.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(len) - pad);
  return true;
}

void pbkdf2(std::string_view secret, const unsigned char* salt, size_t salt_len, int iterations, unsigned char* out,
            size_t out_len) {
  if (PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()), salt, static_cast<int>(salt_len), iterations,
                        EVP_sha256(), static_cast<int>(out_len), out) != 1)
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
}

}  // namespace

std::string hash_secret(std::string_view secret, int iterations) {
  unsigned char salt[16];
  unsigned char hash[32];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("RAND_bytes failed");
  pbkdf2(secret, salt, sizeof salt, iterations, hash, sizeof hash);
  std::string out = "pbkdf2-sha256$" + std::to_string(iterations) + "$" + b64(salt, sizeof salt) + "$" + b64(hash, sizeof hash);
  OPENSSL_cleanse(hash, sizeof hash);
  return out;
}

bool verify_secret(std::string_view secret, std::string_view stored) {
  constexpr std::string_view kPrefix = "pbkdf2-sha256$";
  if (stored.substr(0, kPrefix.size()) != kPrefix) return false;
  stored.remove_prefix(kPrefix.size());
  size_t a = stored.find('$');
  if (a == std::string_view::npos) return false;
  size_t b = stored.find('$', a + 1);
  if (b == std::string_view::npos) return false;
  int iterations = 0;
  for (char c : stored.substr(0, a)) {
    if (c < '0' || c > '9' || iterations > 10'000'000) return false;
    iterations = iterations * 10 + (c - '0');
  }
  if (iterations < 1) return false;
  std::vector<unsigned char> salt, want;
  if (!unb64(stored.substr(a + 1, b - a - 1), salt) || !unb64(stored.substr(b + 1), want) || want.empty()) return false;
  std::vector<unsigned char> got(want.size());
  pbkdf2(secret, salt.data(), salt.size(), iterations, got.data(), got.size());
  bool same = CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
  OPENSSL_cleanse(got.data(), got.size());
  return same;
}

std::string new_verification_code() {
  std::string code;
  while (code.size() < 8) {
    unsigned char b = 0;
    if (RAND_bytes(&b, 1) != 1) throw std::runtime_error("RAND_bytes failed");
    // 32 letters: 256 is a multiple of 32, so b % 32 is uniform.
    code += kCodeAlphabet[b % kCodeAlphabet.size()];
  }
  return code;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  // Never a short or empty "hash" that every input would share.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) throw std::runtime_error("EVP_Digest failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace certwiz::site_server

#include "checks/core/secret.h"

#include <openssl/crypto.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "checks/core/secret_platform.h"

namespace certwiz {

Secret::Secret() : data_(detail::secret_alloc(kMaxSize)) {}

Secret::Secret(std::string_view value) : Secret() {
  for (char c : value)
    if (!push_back(c)) break;
}

Secret::~Secret() { release(); }

Secret::Secret(Secret&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void Secret::release() {
  if (!data_) return;
  OPENSSL_cleanse(data_, kMaxSize);
  detail::secret_free(data_, kMaxSize);
  data_ = nullptr;
  size_ = 0;
}

bool Secret::push_back(char c) {
  if (!data_) data_ = detail::secret_alloc(kMaxSize);
  if (size_ >= kMaxSize) return false;
  data_[size_++] = c;
  return true;
}

void Secret::pop_back() {
  if (size_) data_[--size_] = 0;
}

void Secret::clear() {
  if (data_) OPENSSL_cleanse(data_, kMaxSize);
  size_ = 0;
}

bool read_secret_line(int fd, Secret& out) {
  out.clear();
  for (;;) {
    char c;
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (c == '\n') return true;
    if (c == '\r') continue;
    if (!out.push_back(c)) {
      out.clear();
      return false;
    }
  }
}

void append_json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace certwiz

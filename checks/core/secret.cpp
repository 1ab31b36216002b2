#include "checks/core/secret.h"

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
  detail::secret_wipe(data_, kMaxSize);
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
  if (data_) detail::secret_wipe(data_, kMaxSize);
  size_ = 0;
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
  if (!s.empty()) detail::secret_wipe(s.data(), s.size());
  s.clear();
}

std::string hide_url_credentials(std::string_view text) {
  // The authority of a URL ends at the path, query, fragment, or where the URL ends in
  // running text; its user info is everything before the last '@' in it.
  auto ends_authority = [](char c) {
    return c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
           c == '\'' || c == '<' || c == '>';
  };
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (size_t at = text.find("://"); at != std::string_view::npos; at = text.find("://", at)) {
    const size_t start = at + 3;
    size_t end = start;
    while (end < text.size() && !ends_authority(text[end])) ++end;
    const size_t sign = text.substr(start, end - start).rfind('@');
    if (sign != std::string_view::npos && sign > 0) {
      out.append(text.substr(copied, start - copied));
      out += "***";
      copied = start + sign;  // from the '@' on
    }
    at = end;
  }
  out.append(text.substr(copied));
  return out;
}

bool read_secret_line(int fd, Secret& out) {
  out.clear();
  for (;;) {
    char c;
    const int n = detail::read_fd_byte(fd, c);
    if (n == 0) return true;
    if (n < 0) return false;
    if (c == '\n') return true;
    if (c == '\r') continue;
    if (!out.push_back(c)) {
      out.clear();
      return false;
    }
  }
}

}  // namespace certwiz

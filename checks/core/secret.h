#pragma once
// A PIN or password in memory: one locked page kept out of core dumps, wiped when
// released (explicit_bzero, SecureZeroMemory). Not copyable; there is no implicit way to make a
// std::string of it.
#include <cstddef>
#include <string>
#include <string_view>

namespace certwiz {

class Secret {
 public:
  static constexpr size_t kMaxSize = 1024;

  Secret();
  explicit Secret(std::string_view value);  // the caller wipes its own copy
  ~Secret();
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  // Appends one byte; false when full.
  bool push_back(char c);
  void pop_back();
  void clear();
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // For the one place that needs the bytes (C_Login, a pipe write). Do not copy it.
  std::string_view reveal() const { return {data_, size_}; }

 private:
  void release();
  char* data_ = nullptr;
  size_t size_ = 0;
};

// Makes the process non-dumpable and disables core files (call before reading a PIN).
void protect_process_from_dumps();

// Reads one line from a file descriptor into a Secret (no echo handling; for
// --pin-stdin and pipes). Stops at '\n' or EOF; false on read error or overflow.
bool read_secret_line(int fd, Secret& out);

// Prompts on the controlling terminal without echo. False when there is no terminal.
bool read_secret_from_terminal(std::string_view prompt, Secret& out);

// Request bodies that must carry a secret (the local signing component's PIN field,
// the site's password field) are built in a buffer reserved up front, so the secret
// is written into no temporary, and wiped after the call.
// Appends `s` as a JSON string literal ("..." with escapes) to `out`.
void append_json_string(std::string& out, std::string_view s);
// Wipes the string's bytes as Secret does, then clear().
void wipe(std::string& s);

// `text` with the user name and password of every URL in it ("scheme://user:pass@host")
// replaced by "***": proxy settings often carry a company login, and a URL is shown in
// check results, reports and logs.
std::string hide_url_credentials(std::string_view text);

}  // namespace certwiz

#pragma once
// The run's log: thread-safe, kept in memory for the report bundle and optionally
// mirrored to a file. Nothing secret is ever passed to it (PINs live in Secret).
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace certwiz {

class Log {
 public:
  enum class Level { debug, info, warn, error };
  struct Entry {
    double t_ms;
    Level level;
    std::string component;
    std::string message;
  };

  Log();
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Mirror every entry to a file (appending); false when it cannot be opened.
  bool open_file(const std::string& path);
  // Mirror every entry to stderr at or above `min` (for --verbose).
  void echo_to_stderr(Level min) { std::lock_guard g(m_); echo_min_ = static_cast<int>(min); }

  void write(Level level, std::string_view component, std::string_view message);
  void debug(std::string_view c, std::string_view m) { write(Level::debug, c, m); }
  void info(std::string_view c, std::string_view m) { write(Level::info, c, m); }
  void warn(std::string_view c, std::string_view m) { write(Level::warn, c, m); }
  void error(std::string_view c, std::string_view m) { write(Level::error, c, m); }

  std::vector<Entry> entries() const;
  std::string text() const;  // one line per entry
  static std::string_view level_name(Level l);

 private:
  mutable std::mutex m_;
  std::chrono::steady_clock::time_point t0_;
  std::vector<Entry> entries_;
  std::FILE* file_ = nullptr;
  int echo_min_ = 99;
};

}  // namespace certwiz

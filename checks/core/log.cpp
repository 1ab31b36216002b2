#include "checks/core/log.h"

namespace certwiz {

Log::Log() : t0_(std::chrono::steady_clock::now()) {}

Log::~Log() {
  if (file_) std::fclose(file_);
}

bool Log::open_file(const std::string& path) {
  std::lock_guard g(m_);
  if (file_) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "ae");
  return file_ != nullptr;
}

std::string_view Log::level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "?";
}

static std::string format_line(const Log::Entry& e) {
  char head[48];
  std::snprintf(head, sizeof head, "%10.1f ms %-5s ", e.t_ms, Log::level_name(e.level).data());
  std::string line = head;
  line += '[';
  line += e.component;
  line += "] ";
  // One entry, one line: control characters from probes (device names, server
  // answers) are escaped so they cannot forge entries.
  for (unsigned char ch : e.message) {
    if (ch == '\n') line += "\\n";
    else if (ch == '\r') line += "\\r";
    else if (ch < 0x20 || ch == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", ch);
      line += esc;
    } else line += static_cast<char>(ch);
  }
  return line;
}

void Log::write(Level level, std::string_view component, std::string_view message) {
  const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
  std::lock_guard g(m_);
  entries_.push_back({t, level, std::string(component), std::string(message)});
  const auto& e = entries_.back();
  if (file_ || static_cast<int>(level) >= echo_min_) {
    const std::string line = format_line(e);
    if (file_) {
      std::fprintf(file_, "%s\n", line.c_str());
      std::fflush(file_);
    }
    if (static_cast<int>(level) >= echo_min_) std::fprintf(stderr, "%s\n", line.c_str());
  }
}

std::vector<Log::Entry> Log::entries() const {
  std::lock_guard g(m_);
  return entries_;
}

std::string Log::text() const {
  std::lock_guard g(m_);
  std::string out;
  for (const auto& e : entries_) {
    out += format_line(e);
    out += '\n';
  }
  return out;
}

}  // namespace certwiz

#pragma once
// The terminal side of the CLI: one line per finished check with a status mark, a
// live progress line when standard output is a terminal (plain lines otherwise), and
// the summary with the remedies and the one thing to do next.
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "checks/core/report_model.h"
#include "checks/core/runner.h"

namespace certwiz::cli {

// --lang when given, else LC_ALL / LC_MESSAGES / LANG, else zh_TW.
Lang user_lang(const std::string& flag);

class Console {
 public:
  explicit Console(Lang lang, std::FILE* out = stdout);
  // Safe to call from the runner's worker threads.
  void on_progress(const Progress& p);
  // One line per check (for reports read back from a file).
  void print_results(const Report& r);
  // Counts, what needs attention with cause and remedy, and the next step.
  void print_summary(const Report& r);
  // "certwiz: <cause> [CODE]", the remedy and the technical detail, on stderr.
  void print_error(const Error& e) const;
  // "JSON report: <path>" and the like, on this console's stream.
  void print_written(const char* kind_zh, const char* kind_en, const std::string& path);
  bool is_tty() const { return tty_; }
  Lang lang() const { return lang_; }

 private:
  void clear_progress();
  void line_for(const CheckResult& r);
  std::string paint(const std::string& s, Status st) const;

  Lang lang_;
  std::FILE* out_;
  bool tty_;
  bool colour_;
  size_t progress_width_ = 0;
  std::vector<std::pair<std::string, Text>> running_;  // id, title; in start order
  std::mutex m_;
};

}  // namespace certwiz::cli

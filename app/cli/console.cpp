#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "app/cli/cli.h"

namespace certwiz::cli {

void add_common_options(CLI::App& cmd, CommonOptions& o) {
  cmd.add_option("--lang", o.lang, "Language of the output: zh_TW or en (default: from LANG)")
      ->check(CLI::IsMember({"zh_TW", "en"}));
  cmd.add_option("--module", o.module, "PKCS#11 module to use (default: $CERTWIZ_PKCS11_MODULE, else discovery)");
  cmd.add_option("--site", o.site, "Site profile (JSON) to check against");
  cmd.add_option("--trust", o.trust, "Extra trust anchor (PEM), e.g. a test root; may repeat");
  cmd.add_flag("--pin-stdin", o.pin_stdin, "Read the card PIN from the first line of standard input");
  cmd.add_flag("--confirm-final-try", o.confirm_final_try,
               "Allow a PIN attempt when the card has only one try left (it locks if the PIN is wrong)");
  cmd.add_flag("-v,--verbose", o.verbose, "Print the log to standard error");
}

bool make_run_options(const CommonOptions& o, RunOptions& out, bool wants_pin) {
  if (!o.lang.empty()) {
    out.lang = parse_lang(o.lang);
  } else {
    const char* l = std::getenv("LC_ALL");
    if (!l || !*l) l = std::getenv("LANG");
    out.lang = parse_lang(l ? l : "", Lang::zh_TW);
  }
  out.pkcs11_module = o.module;
  if (out.pkcs11_module.empty())
    if (const char* m = std::getenv("CERTWIZ_PKCS11_MODULE")) out.pkcs11_module = m;
  out.site_profile = o.site;
  out.extra_trust_anchors = o.trust;
  out.confirm_final_try = o.confirm_final_try;
  if (wants_pin && o.pin_stdin) {
    protect_process_from_dumps();
    auto pin = std::make_shared<Secret>();
    if (!read_secret_line(STDIN_FILENO, *pin)) {
      std::fprintf(stderr, "certwiz: could not read the PIN from standard input\n");
      return false;
    }
    out.pin = std::move(pin);
  }
  return true;
}

namespace {
const char* mark(Status s) {
  switch (s) {
    case Status::pass: return "✔";
    case Status::warn: return "!";
    case Status::fail: return "✘";
    case Status::skipped: return "-";
    case Status::unknown: return "?";
  }
  return "?";
}
}  // namespace

Console::Console(Lang lang) : lang_(lang), tty_(isatty(STDOUT_FILENO) != 0) {}

void Console::on_progress(const Progress& p) {
  if (tty_ && width_) {
    std::printf("\r%*s\r", static_cast<int>(width_), "");
    width_ = 0;
  }
  if (p.kind == Progress::Kind::finished && p.result) {
    const auto& r = *p.result;
    std::printf("%s %-28s %s%s%s\n", mark(r.status), r.id.c_str(), r.summary.in(lang_).c_str(),
                r.code.empty() ? "" : "  [", r.code.empty() ? "" : (r.code + "]").c_str());
  }
  if (tty_) {
    char line[256];
    const int n = std::snprintf(line, sizeof line, "[%zu/%zu] %s", p.done, p.total, p.title.in(lang_).c_str());
    if (p.done < p.total && n > 0) {
      std::printf("%s", line);
      width_ = static_cast<size_t>(n);
    }
  }
  std::fflush(stdout);
}

void Console::print_summary(const Report& r) const {
  const bool zh = lang_ == Lang::zh_TW;
  std::printf("\n%s: %zu %s, %zu %s, %zu %s, %zu %s\n", zh ? "結果" : "Result", r.count(Status::pass),
              zh ? "通過" : "passed", r.count(Status::warn), zh ? "警告" : "warnings", r.count(Status::fail),
              zh ? "失敗" : "failed", r.count(Status::skipped) + r.count(Status::unknown), zh ? "略過或未知" : "skipped or unknown");
  bool header = false;
  for (const auto& c : r.results) {
    if (c.status != Status::fail && c.status != Status::warn) continue;
    if (!header) {
      std::printf("\n%s\n", zh ? "建議處理方式：" : "What to do:");
      header = true;
    }
    std::printf("%s [%s] %s\n    %s\n", mark(c.status), c.code.c_str(), c.cause.in(lang_).c_str(),
                c.remedy.in(lang_).c_str());
  }
}

}  // namespace certwiz::cli

// Shared options of the check-running subcommands, and the terminal output.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app/cli/cli.h"
#include "checks/core/display_safe.h"
#include "checks/core/platform.h"
#include "checks/report/digest.h"
#include "checks/report/display_width.h"

namespace certwiz::cli {

Lang user_lang(const std::string& flag) {
  return flag.empty() ? RunOptions::lang_from_environment() : parse_lang(flag);
}

CLI::Option* add_lang_option(CLI::App& cmd, std::string& lang) {
  return cmd.add_option("--lang", lang, "Language of the output: zh_TW or en (default: from LC_ALL, LC_MESSAGES, LANG)")
      ->check(CLI::IsMember({"zh_TW", "en"}));
}

CLI::Option* add_slot_option(CLI::App& cmd, std::string& slot, const char* what) {
  return cmd.add_option("--slot", slot, std::string("Reader (PC/SC name, the slot description) of the card ") + what);
}

void add_common_options(CLI::App& cmd, CommonOptions& o) {
  add_lang_option(cmd, o.lang);
  cmd.add_option("--module", o.module, "PKCS#11 module to use (default: $CERTWIZ_PKCS11_MODULE, else discovery)");
  cmd.add_option("--site", o.site, "Site profile (JSON) to check against");
  cmd.add_option("--trust", o.trust, "Extra trust anchor (PEM), e.g. a test root; may repeat");
  cmd.add_flag("--pin-stdin", o.pin_stdin, "Read the card PIN from the first line of standard input");
  cmd.add_flag("--ask-pin", o.ask_pin, "Ask for the card PIN on the terminal (not shown while typed)");
  cmd.add_flag("--confirm-final-try", o.confirm_final_try,
               "Allow a PIN attempt when the card has only one try left (it locks if the PIN is wrong), or when "
               "its tries left cannot be read before the PIN goes to the local signing component");
  cmd.add_flag("-v,--verbose", o.verbose, "Print the log to standard error");
}

bool make_run_options(const CommonOptions& o, RunOptions& out, bool wants_pin) {
  out = RunOptions::from_environment();
  if (!o.lang.empty()) out.lang = parse_lang(o.lang);
  const bool en = out.lang == Lang::en;
  if (!o.module.empty()) out.pkcs11_module = o.module;
  out.site_profile = o.site;
  out.extra_trust_anchors = o.trust;
  out.confirm_final_try = o.confirm_final_try;
  if (!wants_pin && (o.pin_stdin || o.ask_pin)) {
    std::fprintf(stderr, "certwiz: %s\n", en ? "this command does not use a PIN" : "這個指令不需要 PIN");
    return false;
  }
  if (o.pin_stdin && o.ask_pin) {
    std::fprintf(stderr, "certwiz: %s\n",
                 en ? "use either --pin-stdin or --ask-pin, not both" : "--pin-stdin 與 --ask-pin 只能擇一使用");
    return false;
  }
  if (o.pin_stdin || o.ask_pin) {
    protect_process_from_dumps();
    auto pin = std::make_shared<Secret>();
    if (o.pin_stdin && !read_secret_line(STDIN_FILENO, *pin)) {
      std::fprintf(stderr, "certwiz: %s\n",
                   en ? "could not read the PIN from standard input" : "無法從標準輸入讀取 PIN");
      return false;
    }
    if (o.ask_pin && !read_secret_from_terminal(en ? "Card PIN: " : "卡片 PIN 碼：", *pin)) {
      std::fprintf(stderr, "certwiz: %s\n",
                   en ? "no terminal to ask for the PIN on; use --pin-stdin"
                      : "沒有可輸入 PIN 的終端機，請改用 --pin-stdin");
      return false;
    }
    if (pin->empty()) {
      std::fprintf(stderr, "certwiz: %s\n", en ? "the PIN is empty" : "PIN 是空的");
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

const char* ansi(Status s) {
  switch (s) {
    case Status::pass: return "\033[32m";
    case Status::warn: return "\033[33m";
    case Status::fail: return "\033[31m";
    case Status::skipped: return "\033[2m";
    case Status::unknown: return "\033[35m";
  }
  return "";
}

// Every text a result brings (also from a report file) passes here on its way to the
// terminal: made display-safe, so no server can send the terminal escape sequences.
std::string in(const Text& t, Lang l) {
  const std::string& first = t.in(l);
  return display_safe(first.empty() ? t.in(l == Lang::en ? Lang::zh_TW : Lang::en) : first);
}

std::string pad_to(const std::string& s, size_t cols) {
  const std::string t = report::truncate_to_width(s, cols);
  const size_t w = report::display_width(t);
  return t + std::string(w < cols ? cols - w : 0, ' ');
}

}  // namespace

Console::Console(Lang lang, std::FILE* out) : lang_(lang), out_(out), tty_(is_terminal(out)) {
  const char* term = std::getenv("TERM");
  colour_ = tty_ && !std::getenv("NO_COLOR") && !(term && std::strcmp(term, "dumb") == 0);
}

std::string Console::paint(const std::string& s, Status st) const {
  return colour_ ? std::string(ansi(st)) + s + "\033[0m" : s;
}

void Console::clear_progress() {
  if (tty_ && progress_width_) {
    std::fprintf(out_, "\r%*s\r", static_cast<int>(progress_width_), "");
    progress_width_ = 0;
  }
}

void Console::line_for(const CheckResult& r) {
  std::string line = paint(mark(r.status), r.status) + " " + pad_to(in(r.title, lang_).empty() ? display_safe(r.id) : in(r.title, lang_), 36) +
                     " " + in(r.summary, lang_);
  if (!r.code.empty()) line += "  " + paint("[" + display_safe(r.code) + "]", r.status);
  std::fprintf(out_, "%s\n", line.c_str());
}

void Console::on_progress(const Progress& p) {
  std::lock_guard g(m_);
  clear_progress();
  if (p.kind == Progress::Kind::started) running_.emplace_back(p.id, p.title);
  if (p.kind == Progress::Kind::finished) {
    std::erase_if(running_, [&](const auto& r) { return r.first == p.id; });
    if (p.result) line_for(*p.result);
  }
  if (tty_ && p.done < p.total && !running_.empty()) {
    const bool en = lang_ == Lang::en;
    // The latest check still running, and how many others run beside it.
    std::string line = "[" + std::to_string(p.done) + "/" + std::to_string(p.total) + "] " +
                       (en ? "checking: " : "檢查中：") + in(running_.back().second, lang_);
    if (running_.size() > 1)
      line += en ? " (+" + std::to_string(running_.size() - 1) + " more)"
                 : "（另有 " + std::to_string(running_.size() - 1) + " 項）";
    line = report::truncate_to_width(line, terminal_columns(out_) - 1);
    std::fputs(line.c_str(), out_);
    progress_width_ = report::display_width(line);
  }
  std::fflush(out_);
}

void Console::print_results(const Report& r) {
  std::lock_guard g(m_);
  for (const auto& c : r.results) line_for(c);
}

void Console::print_summary(const Report& r) {
  std::lock_guard g(m_);
  clear_progress();
  const bool en = lang_ == Lang::en;
  const report::Digest d = report::digest(r);
  if (r.results.empty()) {
    std::fprintf(out_, "\n%s\n", en ? "No checks were run." : "這次沒有執行任何檢查。");
    std::fflush(out_);
    return;
  }
  const char* sep = en ? ", " : "、";
  std::fprintf(out_, "\n%s%s%s%s%s%s%s%zu %s\n", en ? "Result: " : "結果：",
               paint(std::to_string(r.count(Status::pass)) + (en ? " passed" : " 通過"), Status::pass).c_str(), sep,
               paint(std::to_string(r.count(Status::warn)) + (en ? " warnings" : " 警告"), Status::warn).c_str(), sep,
               paint(std::to_string(r.count(Status::fail)) + (en ? " failed" : " 失敗"), Status::fail).c_str(), sep,
               r.count(Status::skipped) + r.count(Status::unknown), en ? "skipped or undecided" : "略過或無法判斷");
  if (!d.not_working.empty()) {
    std::fprintf(out_, "\n%s\n", en ? "Needs attention:" : "需要處理：");
    for (const auto* c : d.not_working) {
      std::fprintf(out_, "%s %s%s\n", paint(mark(c->status), c->status).c_str(), in(c->title, lang_).c_str(),
                   c->code.empty() ? "" : ("  [" + display_safe(c->code) + "]").c_str());
      if (!in(c->cause, lang_).empty()) std::fprintf(out_, "    %s%s\n", en ? "Cause: " : "原因：", in(c->cause, lang_).c_str());
      const Text remedy = render_remedy(*c, FrontEnd::cli);
      if (!in(remedy, lang_).empty()) std::fprintf(out_, "    %s%s\n", en ? "Fix:   " : "處理：", in(remedy, lang_).c_str());
    }
  }
  if (d.next) {
    const Text remedy = render_remedy(*d.next, FrontEnd::cli);
    const std::string todo = in(remedy, lang_).empty() ? in(d.next->summary, lang_) : in(remedy, lang_);
    std::fprintf(out_, "\n%s %s\n", colour_ ? ("\033[1m" + std::string(en ? "Next step:" : "下一步：") + "\033[0m").c_str()
                                           : (en ? "Next step:" : "下一步："),
                 todo.c_str());
  } else if (d.not_working.empty() && r.overall() == Status::pass) {
    std::fprintf(out_, "\n%s\n", en ? "Everything needed works." : "所有需要的項目都正常。");
  }
  std::fflush(out_);
}

void Console::print_error(const Error& e) const {
  const auto* code = find_failure_code(e.code);
  const bool en = lang_ == Lang::en;
  std::fprintf(stderr, "certwiz: %s [%s]\n", code ? std::string(en ? code->cause_en : code->cause_zh).c_str() : "",
               display_safe(e.code).c_str());
  if (code) std::fprintf(stderr, "  %s%s\n", en ? "What to do: " : "處理方式：", code->remedy(FrontEnd::cli).in(lang_).c_str());
  if (!e.detail.empty()) std::fprintf(stderr, "  (%s)\n", display_safe(e.detail).c_str());
}

void Console::print_written(const char* kind_zh, const char* kind_en, const std::string& path) {
  std::lock_guard g(m_);
  std::fprintf(out_, "%s%s%s\n", lang_ == Lang::en ? kind_en : kind_zh, lang_ == Lang::en ? ": " : "：", path.c_str());
  std::fflush(out_);
}

}  // namespace certwiz::cli

#include "checks/pcsc/smartcard_list.h"

#include <fstream>
#include <sstream>

#include "checks/pcsc/atr.h"

namespace certwiz::pcsc {

namespace {
// Longest ATR text: 33 bytes as "XX " → 98 characters. Patterns far longer than that
// cannot match anything sensible; the cap also bounds the fuzzer's work.
constexpr size_t kMaxPatternLength = 512;

Error pattern_error(std::string detail) { return Error{"ATR-MALFORMED", "pattern: " + std::move(detail)}; }

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

void add_case_insensitive(auto& tok, unsigned char c) {
  tok.add(c);
  if (c >= 'a' && c <= 'f') tok.add(static_cast<unsigned char>(c - 32));
  if (c >= 'A' && c <= 'F') tok.add(static_cast<unsigned char>(c + 32));
}
}  // namespace

Expected<AtrPattern> AtrPattern::compile(std::string_view pattern) {
  while (!pattern.empty() && (pattern.back() == ' ' || pattern.back() == '\t')) pattern.remove_suffix(1);
  while (!pattern.empty() && (pattern.front() == ' ' || pattern.front() == '\t')) pattern.remove_prefix(1);
  if (pattern.empty()) return pattern_error("empty");
  if (pattern.size() > kMaxPatternLength) return pattern_error("longer than " + std::to_string(kMaxPatternLength) + " characters");
  AtrPattern p;
  p.text_ = std::string(pattern);
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    Token tok;
    if (is_hex(c) || c == ' ') {
      add_case_insensitive(tok, static_cast<unsigned char>(c));
    } else if (c == '.') {
      for (auto& w : tok.set) w = ~std::uint64_t{0};
    } else if (c == '[') {
      const size_t close = pattern.find(']', i + 1);
      if (close == std::string_view::npos) return pattern_error("unclosed '[' at column " + std::to_string(i + 1));
      const std::string_view body = pattern.substr(i + 1, close - i - 1);
      if (body.empty()) return pattern_error("empty '[]' at column " + std::to_string(i + 1));
      if (body.front() == '^') return pattern_error("negated class at column " + std::to_string(i + 1) + " is not supported");
      for (size_t j = 0; j < body.size(); ++j) {
        const auto lo = static_cast<unsigned char>(body[j]);
        if (j + 2 < body.size() && body[j + 1] == '-') {
          const auto hi = static_cast<unsigned char>(body[j + 2]);
          if (hi < lo) return pattern_error("reversed range in class at column " + std::to_string(i + 1));
          for (unsigned v = lo; v <= hi; ++v) add_case_insensitive(tok, static_cast<unsigned char>(v));
          j += 2;
        } else {
          add_case_insensitive(tok, lo);  // a ',' in "[1,3]" is a literal comma, as in Perl
        }
      }
      i = close;
    } else if (c == '*') {
      return pattern_error("'*' with nothing before it at column " + std::to_string(i + 1));
    } else {
      return pattern_error(std::string("unsupported character '") + (c >= 0x20 && c < 0x7F ? c : '?') +
                           "' at column " + std::to_string(i + 1));
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
      tok.star = true;
      ++i;
      if (i + 1 < pattern.size() && pattern[i + 1] == '*') return pattern_error("'**' at column " + std::to_string(i + 1));
    }
    p.tokens_.push_back(tok);
  }
  return p;
}

bool AtrPattern::matches(std::string_view s) const {
  const size_t m = tokens_.size();
  // states[k]: the pattern has consumed tokens [0, k) so far.
  std::vector<char> cur(m + 1, 0), next(m + 1, 0);
  auto close = [&](std::vector<char>& st) {  // a starred token may match nothing
    for (size_t k = 0; k < m; ++k)
      if (st[k] && tokens_[k].star) st[k + 1] = 1;
  };
  cur[0] = 1;
  close(cur);
  for (char ch : s) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    const auto c = static_cast<unsigned char>(ch);
    for (size_t k = 0; k < m; ++k) {
      if (!cur[k] || !tokens_[k].accepts(c)) continue;
      if (tokens_[k].star) next[k] = 1;
      else next[k + 1] = 1;
      any = true;
    }
    if (!any) return false;
    close(next);
    cur.swap(next);
  }
  return cur[m] != 0;
}

bool AtrPattern::matches(std::span<const std::uint8_t> atr) const { return matches(hex_spaced(atr)); }

std::vector<const SmartcardListEntry*> SmartcardList::match(std::span<const std::uint8_t> atr) const {
  const std::string text = hex_spaced(atr);
  std::vector<const SmartcardListEntry*> out;
  for (const auto& e : entries)
    if (e.pattern.matches(text)) out.push_back(&e);
  return out;
}

SmartcardList parse_smartcard_list(std::string_view text, std::span<const std::vector<std::uint8_t>> only_matching) {
  SmartcardList list;
  std::vector<std::string> wanted;  // the ATRs as text, each matched once per pattern
  for (const auto& atr : only_matching) wanted.push_back(hex_spaced(atr));
  bool in_entry = false;     // the last pattern line compiled and starts an entry
  bool skipping = false;     // the last pattern line was bad: drop its descriptions
  bool passing_over = false; // the last pattern line compiled but matches no wanted ATR
  size_t passed_line = 0;    // ... on this line
  bool passed_described = false;
  size_t line_no = 0;
  auto finish_entry = [&] {
    if (in_entry && list.entries.back().descriptions.empty()) {
      list.problems.push_back("line " + std::to_string(list.entries.back().line) + ": ATR pattern without a description");
      list.entries.pop_back();
    }
    // An entry passed over is reported like a kept one, so the problems do not depend on the filter.
    if (passing_over && !passed_described)
      list.problems.push_back("line " + std::to_string(passed_line) + ": ATR pattern without a description");
    in_entry = false;
    passing_over = false;
  };
  auto wanted_by_filter = [&](const AtrPattern& p) {
    if (only_matching.empty()) return true;
    for (const auto& w : wanted)
      if (p.matches(std::string_view(w))) return true;
    return false;
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // A blank line does not end an entry: the real list has descriptions in paragraphs,
    // and pcsc-tools attaches every tab line to the last ATR above it.
    if (line.empty() || line.find_first_not_of(" \t") == std::string_view::npos) {
      if (end == text.size()) break;
      continue;
    }
    if (line.front() == '#') {
      if (end == text.size()) break;
      continue;
    }
    if (line.front() == '\t' || line.front() == ' ') {
      const size_t first = line.find_first_not_of(" \t");
      if (in_entry) {
        list.entries.back().descriptions.emplace_back(line.substr(first));
      } else if (passing_over) {
        passed_described = true;
      } else if (!skipping) {
        list.problems.push_back("line " + std::to_string(line_no) + ": description without an ATR pattern");
      }
    } else {
      finish_entry();
      auto p = AtrPattern::compile(line);
      if (p && !wanted_by_filter(*p)) {
        passing_over = true;
        passed_line = line_no;
        passed_described = false;
        skipping = false;
      } else if (p) {
        list.entries.push_back(SmartcardListEntry{std::move(*p), {}, line_no});
        in_entry = true;
        skipping = false;
      } else {
        list.problems.push_back("line " + std::to_string(line_no) + ": " + p.error().detail);
        skipping = true;
      }
    }
    if (end == text.size()) break;
  }
  finish_entry();
  return list;
}

std::vector<std::string> default_smartcard_list_paths() {
  // pcsc-tools looks in the user's copy first, then the system's.
  std::vector<std::string> paths;
  if (const char* home = std::getenv("HOME"); home && *home) paths.push_back(std::string(home) + "/.cache/smartcard_list.txt");
  paths.emplace_back("/usr/share/pcsc/smartcard_list.txt");
  paths.emplace_back("/usr/local/share/pcsc/smartcard_list.txt");
  return paths;
}

SmartcardList load_smartcard_list(const std::string& path, std::span<const std::vector<std::uint8_t>> only_matching) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    SmartcardList l;
    l.problems.push_back(path + ": cannot be read");
    return l;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_smartcard_list(ss.str(), only_matching);
}

}  // namespace certwiz::pcsc

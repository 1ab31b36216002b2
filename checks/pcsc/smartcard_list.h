#pragma once
// pcsc-tools' smartcard_list.txt: ATR patterns (a small subset of Perl regular
// expressions: hex digits, spaces, `.`, `[...]` classes and `*`), each followed by
// tab-indented description lines; `#` starts a comment line. Pure parser, fuzzed.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::pcsc {

// One compiled ATR pattern, matched against the whole "3B 95 13 ..." text of an ATR
// (upper-case hex, single spaces) the way pcsc-tools anchors it (^pattern$).
// Matching is an NFA walk: linear in pattern × ATR, no backtracking blow-up.
class AtrPattern {
 public:
  // Error ATR-MALFORMED (detail "pattern: ...") for syntax outside the subset.
  static Expected<AtrPattern> compile(std::string_view pattern);
  bool matches(std::string_view atr_text) const;
  bool matches(std::span<const std::uint8_t> atr) const;
  const std::string& text() const { return text_; }

 private:
  struct Token {
    std::uint64_t set[4] = {0, 0, 0, 0};  // which bytes (characters) this position accepts
    bool star = false;
    bool accepts(unsigned char c) const { return (set[c >> 6] >> (c & 63)) & 1u; }
    void add(unsigned char c) { set[c >> 6] |= std::uint64_t{1} << (c & 63); }
  };
  std::string text_;
  std::vector<Token> tokens_;
};

struct SmartcardListEntry {
  AtrPattern pattern;
  std::vector<std::string> descriptions;  // without the leading tab
  size_t line = 0;                        // 1-based line of the ATR pattern
};

struct SmartcardList {
  std::vector<SmartcardListEntry> entries;
  std::vector<std::string> problems;  // "line 12: ..." for lines that were skipped

  // Every entry whose pattern matches, in file order.
  std::vector<const SmartcardListEntry*> match(std::span<const std::uint8_t> atr) const;
};

// Never fails: bad lines are skipped and listed in `problems`. Accepts LF and CRLF.
// `only_matching` (when not empty) keeps only the entries that match one of these ATRs:
// the whole list compiled is about 10 MB of patterns, and a diagnosis looks up one or two
// cards. match() then answers for those ATRs exactly as with the whole list; `problems`
// are the same either way.
SmartcardList parse_smartcard_list(std::string_view text, std::span<const std::vector<std::uint8_t>> only_matching = {});

// The usual places of the system's list (pcsc-tools' own order).
std::vector<std::string> default_smartcard_list_paths();
// Reads and parses `path`; Error PCSC-... never: a missing file is {} with a problem noted.
SmartcardList load_smartcard_list(const std::string& path, std::span<const std::vector<std::uint8_t>> only_matching = {});

}  // namespace certwiz::pcsc

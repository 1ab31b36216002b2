#include "checks/form/rules.h"

#include "checks/core/ascii.h"
#include "checks/core/utf8.h"
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdint>

namespace certwiz::form {
namespace {

constexpr char32_t kInvalid = kInvalidUtf8;

std::string utf8(char32_t cp) {
  std::string s;
  append_utf8(s, cp);
  return s;
}

std::string hex_cp(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// C0/C1 controls and the invisible formatting characters that let pasted text hide
// or reorder what a reviewer sees (bidi overrides, zero-width characters, tags).
bool is_control(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
         (cp >= 0xE0000 && cp <= 0xE007F);
}

// What a Taiwanese form accepts once full-width ASCII is folded: ASCII, Han,
// Bopomofo, kana, CJK and general punctuation, the middle dots of transliterated names.
bool is_accepted(char32_t cp) {
  return (cp >= 0x20 && cp <= 0x7E) || cp == 0xB7 || (cp >= 0x2010 && cp <= 0x2027) ||
         (cp >= 0x2030 && cp <= 0x203A) || (cp >= 0x3001 && cp <= 0x303F) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3100 && cp <= 0x312F) ||
         (cp >= 0x31A0 && cp <= 0x31BF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF5F && cp <= 0xFF65) ||
         (cp >= 0x20000 && cp <= 0x3134F);
}

Text script_name(char32_t cp) {
  if (cp >= 0x80 && cp <= 0x24F) return {"帶重音符號的拉丁字母", "accented Latin"};
  if (cp >= 0x370 && cp <= 0x3FF) return {"希臘字母", "Greek"};
  if (cp >= 0x400 && cp <= 0x52F) return {"西里爾字母", "Cyrillic"};
  if (cp >= 0x590 && cp <= 0x5FF) return {"希伯來字母", "Hebrew"};
  if (cp >= 0x600 && cp <= 0x6FF) return {"阿拉伯字母", "Arabic"};
  if (cp >= 0xE00 && cp <= 0xE7F) return {"泰文", "Thai"};
  if (cp >= 0xAC00 && cp <= 0xD7AF) return {"韓文", "Hangul"};
  if (cp >= 0xE000 && cp <= 0xF8FF) return {"私用區字元", "private-use"};
  if (cp >= 0x1F000) return {"表情符號或圖示", "emoji or symbol"};
  return {"其他文字或符號", "other"};
}

Problem too_long(size_t chars, size_t max) {
  return {"FORM-TEXT-TOO-LONG",
          {"長度 " + std::to_string(chars) + " 字，超過上限 " + std::to_string(max) + " 字。",
           "It is " + std::to_string(chars) + " characters long; at most " + std::to_string(max) +
               " are allowed."}};
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alpha(char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }

std::string quoted_char_at(std::string_view s, size_t i) {
  size_t j = i;
  const char32_t cp = next_code_point(s, j);
  return cp == kInvalid ? "?" : utf8(cp);
}

// Position (1-based, in characters) of byte offset `i`.
size_t char_pos(std::string_view s, size_t byte) { return utf8_length(s.substr(0, byte)) + 1; }

}  // namespace

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    next_code_point(s, i);
    ++n;
  }
  return n;
}

Normalised normalise_text(std::string_view raw, size_t max_chars) {
  Normalised out;
  // A quick bound before any per-character work: four bytes per character at most.
  if (raw.size() > max_chars * 4 + 64) {
    out.problem = too_long(utf8_length(raw), max_chars);
    return out;
  }
  std::string folded;
  folded.reserve(raw.size());
  bool has_latin = false;
  std::optional<Problem> script_problem;
  size_t pos = 0;
  for (size_t i = 0; i < raw.size();) {
    char32_t cp = next_code_point(raw, i);
    ++pos;
    if (cp == kInvalid) {
      out.problem = Problem{"FORM-TEXT-ENCODING",
                            {"第 " + std::to_string(pos) + " 個字不是有效的 UTF-8 編碼。",
                             "Character " + std::to_string(pos) + " is not valid UTF-8."}};
      return out;
    }
    if (is_control(cp)) {
      out.problem = Problem{"FORM-TEXT-CONTROL",
                            {"第 " + std::to_string(pos) + " 個字是控制或不可見的格式字元（" + hex_cp(cp) + "）。",
                             "Character " + std::to_string(pos) + " is a control or invisible formatting character (" +
                                 hex_cp(cp) + ")."}};
      return out;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII → half-width
    if (cp == 0x3000 || cp == 0xA0) cp = ' ';        // ideographic / no-break space
    if (cp < 0x80 && is_alpha(static_cast<char>(cp))) has_latin = true;
    if (!is_accepted(cp) && !script_problem) {
      const Text script = script_name(cp);
      script_problem = Problem{
          "FORM-TEXT-SCRIPT",
          {"第 " + std::to_string(pos) + " 個字「" + utf8(cp) + "」（" + hex_cp(cp) + "，" + script.zh_TW +
               "）不是本表單接受的文字。",
           "Character " + std::to_string(pos) + " '" + utf8(cp) + "' (" + hex_cp(cp) + ", " + script.en +
               ") is not accepted on this form."}};
    }
    if (cp == ' ' && (folded.empty() || folded.back() == ' ')) continue;  // trim left, collapse runs
    append_utf8(folded, cp);
  }
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  if (script_problem) {
    if (has_latin) {
      script_problem->message.zh_TW += "它與英文字母混用，可能是外觀相似的假字母。";
      script_problem->message.en += " It is mixed with English letters and may be a look-alike.";
    }
    out.problem = std::move(script_problem);
    return out;
  }
  const size_t n = utf8_length(folded);
  if (n > max_chars) {
    out.problem = too_long(n, max_chars);
    return out;
  }
  out.value = std::move(folded);
  return out;
}

Normalised normalise_code(std::string_view raw, size_t max_chars) {
  Normalised n = normalise_text(raw, max_chars);
  if (!n.ok()) return n;
  std::string code;
  for (char c : n.value) {
    if (c == ' ' || c == '-') continue;
    code += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  n.value = std::move(code);
  return n;
}

UbnChecksum ubn_checksum(std::string_view d) {
  static constexpr std::array<int, 8> kWeights = {1, 2, 1, 2, 1, 2, 4, 1};
  UbnChecksum r;
  for (size_t i = 0; i < 8; ++i) {
    const int p = (d[i] - '0') * kWeights[i];
    r.sum += p / 10 + p % 10;
  }
  r.seventh_is_7 = d[6] == '7';
  auto divisible = [&](int by) { return r.sum % by == 0 || (r.seventh_is_7 && (r.sum + 1) % by == 0); };
  r.valid_since_2023 = divisible(5);
  r.valid_before_2023 = divisible(10);
  return r;
}

std::optional<Problem> check_ubn(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_ascii_digit(s[i])) {
      const std::string pos = std::to_string(char_pos(s, i));
      const std::string ch = quoted_char_at(s, i);
      return Problem{"FORM-UBN-FORMAT",
                     {"第 " + pos + " 碼「" + ch + "」不是數字；統一編號只能是 8 位數字。",
                      "Character " + pos + " '" + ch + "' is not a digit; a UBN is 8 digits."}};
    }
  }
  if (s.size() != 8) {
    const std::string n = std::to_string(s.size());
    return Problem{"FORM-UBN-FORMAT",
                   {"只有 " + n + " 位數字；統一編號必須剛好 8 位。", "It has " + n + " digits; a UBN has exactly 8."}};
  }
  const UbnChecksum c = ubn_checksum(s);
  if (!c.valid_since_2023) {
    const std::string sum = std::to_string(c.sum);
    return Problem{"FORM-UBN-CHECKSUM",
                   {"檢查碼不符：加權後各位數字之和為 " + sum + "，不能被 5 整除；請逐位核對。",
                    "The checksum fails: the weighted digit sum is " + sum +
                        ", which is not divisible by 5; check each digit."}};
  }
  return std::nullopt;
}

int id_letter_code(char letter) {
  // A..Z in order; I, O, W, X, Y, Z were added later and got codes out of sequence.
  static constexpr std::array<int, 26> kCodes = {10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,
                                                 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33};
  return is_upper(letter) ? kCodes[static_cast<size_t>(letter - 'A')] : -1;
}

std::optional<Problem> check_person_id(std::string_view s, std::chrono::year_month_day today,
                                       PersonIdKind* kind_out) {
  if (s.size() != 10) {
    const std::string n = std::to_string(utf8_length(s));
    return Problem{"FORM-ID-FORMAT",
                   {"共 " + n + " 碼；身分證字號或居留證號應為 10 碼（1 個英文字母加 9 碼）。",
                    "It has " + n + " characters; a national ID or resident certificate number has 10 (a letter and 9 more)."}};
  }
  if (!is_upper(s[0])) {
    const std::string ch = quoted_char_at(s, 0);
    return Problem{"FORM-ID-LETTER",
                   {"第 1 碼「" + ch + "」不是英文字母；第 1 碼應為 A–Z。",
                    "The first character '" + ch + "' is not an English letter; it must be A–Z."}};
  }
  PersonIdKind kind;
  if (s[1] == '1' || s[1] == '2') {
    kind = PersonIdKind::national_id;
  } else if (s[1] == '8' || s[1] == '9') {
    kind = PersonIdKind::resident_new;
  } else if (s[1] >= 'A' && s[1] <= 'D') {
    kind = PersonIdKind::resident_old;
  } else {
    const std::string ch = quoted_char_at(s, 1);
    return Problem{"FORM-ID-GENDER",
                   {"第 2 碼「" + ch + "」不對：身分證為性別碼 1 或 2，新式居留證為 8 或 9，舊式居留證為 A–D。",
                    "The second character '" + ch +
                        "' is wrong: 1 or 2 (gender digit) for a national ID, 8 or 9 for a new resident "
                        "certificate, A–D for an old one."}};
  }
  for (size_t i = 2; i < 10; ++i) {
    if (!is_ascii_digit(s[i])) {
      const std::string pos = std::to_string(i + 1);
      const std::string ch = quoted_char_at(s, i);
      return Problem{"FORM-ID-FORMAT",
                     {"第 " + pos + " 碼「" + ch + "」應為數字（第 3 到第 10 碼都是數字）。",
                      "Character " + pos + " '" + ch + "' must be a digit (characters 3 to 10 are digits)."}};
    }
  }
  const int letter = id_letter_code(s[0]);
  int sum = letter / 10 + (letter % 10) * 9;
  const int second = kind == PersonIdKind::resident_old ? id_letter_code(s[1]) % 10 : s[1] - '0';
  sum += second * 8;
  for (size_t i = 2; i < 9; ++i) sum += (s[i] - '0') * static_cast<int>(9 - i);
  sum += s[9] - '0';
  if (sum % 10 != 0) {
    return Problem{"FORM-ID-CHECKSUM",
                   {std::string("最後一碼（檢查碼「") + s[9] + "」）與前面各碼不符，可能有一碼輸入錯誤。",
                    std::string("The last character (check digit '") + s[9] +
                        "') does not match the others; one of them is probably mistyped."}};
  }
  using namespace std::chrono;
  if (kind == PersonIdKind::resident_old && sys_days(today) > sys_days(year{2030} / December / 31)) {
    return Problem{"FORM-ID-OLD-RESIDENT-EXPIRED",
                   {"這是舊式居留證號（第 2 碼為英文字母），已於 2030-12-31 後停用。",
                    "This is an old-format resident certificate number (letter in second place), no longer valid after 2030-12-31."}};
  }
  if (kind_out) *kind_out = kind;
  return std::nullopt;
}

std::optional<Problem> check_control_no(std::string_view s, const std::regex& pattern, std::string_view pattern_text) {
  if (std::regex_match(s.begin(), s.end(), pattern)) return std::nullopt;
  const std::string v(s);
  const std::string p(pattern_text);
  return Problem{"FORM-CONTROL-NO-FORMAT",
                 {"「" + v + "」不符合網站要求的管制編號格式（" + p + "）。",
                  "'" + v + "' does not have the control-number format the site expects (" + p + ")."}};
}

std::optional<Problem> check_email(std::string_view s) {
  const size_t at = s.find('@');
  const size_t ats = static_cast<size_t>(std::count(s.begin(), s.end(), '@'));
  if (ats != 1) {
    const std::string n = std::to_string(ats);
    return Problem{"FORM-EMAIL-FORMAT",
                   {"應有剛好一個 @（目前有 " + n + " 個）。", "It needs exactly one @ (it has " + n + ")."}};
  }
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  static constexpr std::string_view kLocalSpecials = ".!#$%&'*+/=?^_`{|}~-";
  bool local_ok = !local.empty() && local.size() <= 64 && local.front() != '.' && local.back() != '.' &&
                  local.find("..") == std::string_view::npos;
  for (char c : local)
    if (!is_alpha(c) && !is_ascii_digit(c) && kLocalSpecials.find(c) == std::string_view::npos) local_ok = false;
  if (!local_ok) {
    return Problem{"FORM-EMAIL-FORMAT",
                   {"@ 前面的帳號部分是空的或含有不能用的字元（例如空白、中文或連續的點）。",
                    "The part before the @ is empty or has characters that cannot be used (spaces, Chinese, doubled dots...)."}};
  }
  const std::string d(domain);
  if (domain.find('.') == std::string_view::npos) {
    return Problem{"FORM-EMAIL-DOMAIN",
                   {"網域「" + d + "」沒有點；網域應像 example.com.tw。",
                    "The domain '" + d + "' has no dot; a domain looks like example.com.tw."}};
  }
  if (domain.size() > 253) {
    return Problem{"FORM-EMAIL-DOMAIN", {"網域名稱太長。", "The domain is too long."}};
  }
  size_t start = 0;
  std::string_view last_label;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(start, dot - start);
    bool ok = !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-';
    for (char c : label)
      if (!is_alpha(c) && !is_ascii_digit(c) && c != '-') ok = false;
    if (!ok) {
      const std::string l(label);
      return Problem{"FORM-EMAIL-DOMAIN",
                     {"網域「" + d + "」中的「" + l + "」不對：每段只能是英文字母、數字或連字號，且不能是空的。",
                      "In the domain '" + d + "', the part '" + l +
                          "' is wrong: each part is letters, digits or hyphens and cannot be empty."}};
    }
    last_label = label;
    start = dot + 1;
  }
  bool tld_ok = last_label.size() >= 2;
  for (char c : last_label)
    if (!is_alpha(c)) tld_ok = false;
  if (!tld_ok) {
    const std::string l(last_label);
    return Problem{"FORM-EMAIL-DOMAIN",
                   {"網域最後一段「" + l + "」應為至少 2 個英文字母（例如 tw、com）。",
                    "The domain's last part '" + l + "' must be at least 2 letters (e.g. tw, com)."}};
  }
  return std::nullopt;
}

std::optional<Problem> check_extension(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_ascii_digit(s[i])) {
      const std::string ch = quoted_char_at(s, i);
      return Problem{"FORM-PHONE-EXT",
                     {"分機中的「" + ch + "」不是數字；分機只能填數字。",
                      "'" + ch + "' in the extension is not a digit; the extension is digits only."}};
    }
  }
  if (s.size() > 6) {
    return Problem{"FORM-PHONE-EXT", {"分機最多 6 位數字。", "An extension has at most 6 digits."}};
  }
  return std::nullopt;
}

std::optional<bool> parse_cert_login_choice(std::string_view s) {
  if (s == "enable" || s == "ENABLE" || s == "Enable" || s == "啟用") return true;
  if (s == "disable" || s == "DISABLE" || s == "Disable" || s == "停用") return false;
  return std::nullopt;
}

}  // namespace certwiz::form

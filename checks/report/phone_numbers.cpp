#include "checks/report/phone_numbers.h"

#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>

#include "checks/core/ascii.h"
namespace certwiz::report {
namespace {


// What a written phone number is made of: digits, separators and an extension mark.
bool is_phone_char(char c) {
  return is_ascii_digit(c) || c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '#' || c == '/' || c == '+';
}

bool has_prefix_or_country_code(const std::string& raw) {
  const size_t i = raw.find_first_not_of("( ");
  return i != std::string::npos && (raw[i] == '0' || raw[i] == '+');
}

// Runs the matcher over one candidate (ASCII only, so always valid UTF-8: the matcher
// finds nothing at all in text that is not).
std::string replace_in_candidate(const std::string& text, std::string_view placeholder) {
  using i18n::phonenumbers::PhoneNumberMatch;
  using i18n::phonenumbers::PhoneNumberMatcher;
  using i18n::phonenumbers::PhoneNumberUtil;
  PhoneNumberMatcher matcher(*PhoneNumberUtil::GetInstance(), text, "TW", PhoneNumberMatcher::VALID, 16);
  std::string out;
  size_t copied = 0;
  PhoneNumberMatch m;
  while (matcher.HasNext() && matcher.Next(&m)) {
    const std::string& raw = m.raw_string();
    if (!has_prefix_or_country_code(raw)) continue;
    // Located by its text, not by start(): the offset's unit (bytes or characters)
    // is not part of the documented contract.
    const size_t pos = text.find(raw, copied);
    if (pos == std::string::npos) continue;
    out.append(text, copied, pos - copied);
    out += placeholder;
    copied = pos + raw.size();
  }
  out.append(text, copied, std::string::npos);
  return out;
}

}  // namespace

void prepare_phone_numbers() { (void)i18n::phonenumbers::PhoneNumberUtil::GetInstance(); }

std::string replace_phone_numbers(std::string_view text, std::string_view placeholder) {
  // The matcher costs about 1 ms on a log line full of numbers, so it runs only on
  // candidates: a run of phone characters that starts, not inside a word, with a trunk
  // prefix or a country code ("0", "(0", "+"), holds at least 9 digits (the shortest
  // Taiwanese number with its prefix) and is not glued to a following word.
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool starts = c == '+' || c == '0' || (c == '(' && i + 1 < text.size() && text[i + 1] == '0');
    if (!starts || (i > 0 && (is_ascii_alnum(text[i - 1]) || text[i - 1] == '+'))) continue;
    size_t end = i, digits = 0;
    for (; end < text.size() && is_phone_char(text[end]); ++end) digits += is_ascii_digit(text[end]) ? 1 : 0;
    const bool glued = end < text.size() && is_ascii_alnum(text[end]) && text[end - 1] != ' ';
    if (digits >= 9 && !glued) {
      out.append(text.substr(copied, i - copied));
      out += replace_in_candidate(std::string(text.substr(i, end - i)), placeholder);
      copied = end;
    }
    i = end - 1;  // a shorter run inside this one starts no better candidate
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace certwiz::report

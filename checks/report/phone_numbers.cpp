#include "checks/report/phone_numbers.h"

#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>

namespace certwiz::report {
namespace {

// A copy of `line` in which every byte of an invalid UTF-8 sequence is '?': the
// matcher finds nothing at all in text that is not UTF-8, and a device name with one
// stray byte must not shield a phone number on the same line. Same length, so
// positions carry over to the original.
std::string valid_utf8_copy(std::string_view line) {
  std::string out(line);
  size_t i = 0;
  while (i < out.size()) {
    const auto c = static_cast<unsigned char>(out[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= out.size() && !(c == 0xC0 || c == 0xC1 || c > 0xF4);
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(out[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      out[i++] = '?';
      continue;
    }
    i += len;
  }
  return out;
}

bool has_prefix_or_country_code(const std::string& raw) {
  size_t i = raw.find_first_not_of("( ");
  return i != std::string::npos && (raw[i] == '0' || raw[i] == '+' || raw.compare(i, 3, "\xEF\xBC\x8B") == 0);
}

std::string replace_in_line(std::string_view line, std::string_view placeholder) {
  // Cheap first: a number with its prefix has at least 9 digits.
  if (std::count_if(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; }) < 9)
    return std::string(line);
  using i18n::phonenumbers::PhoneNumberMatch;
  using i18n::phonenumbers::PhoneNumberMatcher;
  using i18n::phonenumbers::PhoneNumberUtil;
  const std::string text = valid_utf8_copy(line);
  PhoneNumberMatcher matcher(*PhoneNumberUtil::GetInstance(), text, "TW", PhoneNumberMatcher::VALID, 64);
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
    out.append(line.substr(copied, pos - copied));
    out += placeholder;
    copied = pos + raw.size();
  }
  out.append(line.substr(copied));
  return out;
}

}  // namespace

std::string replace_phone_numbers(std::string_view text, std::string_view placeholder) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    out += replace_in_line(text.substr(i, nl - i), placeholder);
    if (nl < text.size()) out += '\n';
    i = nl + 1;
  }
  return out;
}

}  // namespace certwiz::report

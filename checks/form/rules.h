#pragma once
// The per-field rules of the application form, as pure functions over text: each
// returns the normalised value or a Problem that says which part is wrong. No I/O
// here, so they can be fuzzed and reused by the wizard's live validation.
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "checks/core/text.h"

namespace certwiz::form {

// One thing wrong with one field: a catalogue code (checks/form/codes.def) and a
// message that names the part that is wrong.
struct Problem {
  std::string code;
  Text message;
};

// The value after normalisation, or why it was refused.
struct Normalised {
  std::string value;
  std::optional<Problem> problem;
  bool ok() const { return !problem; }
};

// Free text (names, street): invalid UTF-8, control and invisible formatting
// characters and letters of scripts not used on Taiwanese forms are refused;
// full-width ASCII letters, digits and space become half-width (CJK is kept),
// leading/trailing space is trimmed and runs of spaces collapse to one.
// `max_chars` counts code points after normalisation.
Normalised normalise_text(std::string_view raw, size_t max_chars);

// Code fields (UBN, IDs, phone): normalise_text, then upper-case ASCII letters and
// drop spaces and hyphens people type for readability.
Normalised normalise_code(std::string_view raw, size_t max_chars);

// 營利事業統一編號: 8 digits, weights 1,2,1,2,1,2,4,1, digit sums added; valid when
// the sum is divisible by 5 (since 2023; the old divisor 10 is a special case), and
// when the 7th digit is 7 also when sum + 1 is.
struct UbnChecksum {
  int sum = 0;
  bool seventh_is_7 = false;
  bool valid_since_2023 = false;  // divisor 5
  bool valid_before_2023 = false; // divisor 10
};
// Precondition: exactly 8 ASCII digits.
UbnChecksum ubn_checksum(std::string_view digits);
std::optional<Problem> check_ubn(std::string_view normalised);

// 身分證字號 and 居留證號 (UI No.).
enum class PersonIdKind { national_id, resident_new, resident_old };
struct PersonId {
  PersonIdKind kind;
};
// `today` decides whether old-format resident numbers (valid to 2030-12-31) still count.
std::optional<Problem> check_person_id(std::string_view normalised, std::chrono::year_month_day today,
                                       PersonIdKind* kind_out = nullptr);
// The two-digit code of an ID's leading letter (A=10 ... with I=34, O=35, W=32, X=30,
// Y=31, Z=33); -1 for anything else.
int id_letter_code(char letter);

// 廢棄物管制編號: shape from the site profile's pattern (whole-string match).
std::optional<Problem> check_control_no(std::string_view normalised, const std::regex& pattern,
                                        std::string_view pattern_text);

// E-mail: one @, a local part of the usual characters, a domain of at least two
// labels with an alphabetic top-level label.
std::optional<Problem> check_email(std::string_view normalised);

// Phone extension: digits only, 1 to 6 of them.
std::optional<Problem> check_extension(std::string_view normalised);

// "enable" / "disable" (啟用 / 停用 accepted too); nullopt when neither.
std::optional<bool> parse_cert_login_choice(std::string_view normalised);

// UTF-8 helpers shared with the form's other parts.
size_t utf8_length(std::string_view s);  // code points; invalid bytes count one each

}  // namespace certwiz::form

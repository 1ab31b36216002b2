#pragma once
// Phone numbers in free text, found by libphonenumber's matcher (region TW) rather
// than by patterns: landlines are written "02-2345-6789", "(02)23456789",
// "04 2359 1234#215" or "+886 2 2345 6789", and a pattern for one misses the next.
#include <string>
#include <string_view>

namespace certwiz::report {

// `text` with every phone number that carries a trunk prefix or a country code
// ("0...", "(0...", "+...") replaced by `placeholder`. Bare digit runs (a UBN, a
// serial, a date) are left to the other passes, which know what they are.
std::string replace_phone_numbers(std::string_view text, std::string_view placeholder);

// Loads libphonenumber's metadata for every region now (its first use otherwise pays
// for it). A diagnosis calls this on a thread of its own while the checks wait for
// cards and services, so the redaction at the end does not. Thread-safe, idempotent.
void prepare_phone_numbers();

}  // namespace certwiz::report

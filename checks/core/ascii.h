#pragma once
// ASCII character classes that do not depend on the C locale (std::isdigit and friends do,
// and take an int that must not be a negative char).
namespace certwiz {

constexpr bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_ascii_alnum(char c) { return is_ascii_digit(c) || is_ascii_alpha(c); }

}  // namespace certwiz

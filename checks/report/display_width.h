#pragma once
// Display width of UTF-8 text in terminal columns (East Asian wide characters take
// two), for aligned console output and labels that must fit a fixed space.
#include <string>
#include <string_view>

namespace certwiz::report {

size_t display_width(std::string_view utf8);
// At most `columns` wide, ending in "…" when cut; never splits a character.
std::string truncate_to_width(std::string_view utf8, size_t columns);

}  // namespace certwiz::report

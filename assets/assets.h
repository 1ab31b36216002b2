#pragma once
// Where CertWiz's data files are: $CERTWIZ_ASSETS, then <exe>/../share/certwiz, then
// the source tree's assets/ (for builds run in place).
#include <string>
#include <string_view>

namespace certwiz {

std::string assets_dir();
// assets_dir() + "/" + relative; the path is returned even when the file is missing.
std::string asset_path(std::string_view relative);

}  // namespace certwiz

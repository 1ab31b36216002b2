#include "checks/form/postal.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "assets/assets.h"

namespace certwiz::form {
namespace {

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t p = line.find(sep, start);
    out.push_back(line.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

// 台 (U+53F0) is the everyday spelling of the official 臺 (U+81FA).
std::string official_spelling(std::string_view s) {
  std::string out(s);
  static constexpr std::string_view kTai = "台", kTaiOfficial = "臺";
  for (size_t p = out.find(kTai); p != std::string::npos; p = out.find(kTai, p + kTaiOfficial.size()))
    out.replace(p, kTai.size(), kTaiOfficial);
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

Error table_error(std::string detail) { return Error{"FORM-POSTAL-TABLE", std::move(detail)}; }

}  // namespace

Expected<PostalDirectory> PostalDirectory::parse(std::string_view csv) {
  PostalDirectory d;
  size_t line_no = 0;
  size_t start = 0;
  while (start < csv.size()) {
    size_t end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto f = split(line, ',');
    if (line_no == 1) {
      if (f.size() != 5 || f[0] != "zip3" || f[1] != "county" || f[2] != "district")
        return table_error("unexpected header: " + std::string(line.substr(0, 80)));
      continue;
    }
    if (f.size() != 5) return table_error("line " + std::to_string(line_no) + ": expected 5 columns");
    if (f[0].size() != 3 || f[0].find_first_not_of("0123456789") != std::string_view::npos)
      return table_error("line " + std::to_string(line_no) + ": zip3 is not 3 digits");
    if (f[1].empty() || f[2].empty()) return table_error("line " + std::to_string(line_no) + ": empty name");
    d.areas_.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2]), std::string(f[3]), std::string(f[4])});
  }
  if (d.areas_.empty()) return table_error("no rows");
  return d;
}

Expected<PostalDirectory> PostalDirectory::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return table_error("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto d = parse(ss.str());
  if (!d) return Error{d.error().code, path + ": " + d.error().detail};
  return d;
}

Expected<PostalDirectory> PostalDirectory::load_default() { return load(asset_path("postal/zip3.csv")); }

std::vector<std::string> PostalDirectory::counties() const {
  std::vector<std::string> out;
  for (const auto& a : areas_)
    if (std::find(out.begin(), out.end(), a.county) == out.end()) out.push_back(a.county);
  return out;
}

std::vector<std::string> PostalDirectory::districts(std::string_view county) const {
  std::vector<std::string> out;
  const auto c = canonical_county(county);
  if (!c) return out;
  for (const auto& a : areas_)
    if (a.county == *c) out.push_back(a.district);
  return out;
}

std::optional<std::string> PostalDirectory::canonical_county(std::string_view county) const {
  const std::string official = official_spelling(county);
  for (const auto& a : areas_)
    if (a.county == official || iequals_ascii(a.county_en, county)) return a.county;
  return std::nullopt;
}

std::optional<std::string> PostalDirectory::canonical_district(std::string_view county, std::string_view district) const {
  const std::string official = official_spelling(district);
  for (const auto& a : areas_)
    if (a.county == county && (a.district == official || iequals_ascii(a.district_en, district))) return a.district;
  return std::nullopt;
}

const PostalArea* PostalDirectory::find(std::string_view county, std::string_view district) const {
  const auto c = canonical_county(county);
  if (!c) return nullptr;
  const auto d = canonical_district(*c, district);
  if (!d) return nullptr;
  for (const auto& a : areas_)
    if (a.county == *c && a.district == *d) return &a;
  return nullptr;
}

}  // namespace certwiz::form

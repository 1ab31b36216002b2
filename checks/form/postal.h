#pragma once
// Taiwan's counties, districts and 3-digit postal codes (assets/postal/zip3.csv), for
// the address pickers: list counties, list a county's districts, fill the code.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::form {

struct PostalArea {
  std::string zip3;  // "106"
  std::string county, district;        // "臺北市", "大安區"
  std::string county_en, district_en;  // "Taipei City", "Da'an District"
};

class PostalDirectory {
 public:
  // Reads the CSV (header zip3,county,district,county_en,district_en). FORM-POSTAL-TABLE on error.
  static Expected<PostalDirectory> load(const std::string& path);
  static Expected<PostalDirectory> parse(std::string_view csv);
  // assets/postal/zip3.csv through asset_path().
  static Expected<PostalDirectory> load_default();

  // Counties in the table's order (north to south, outlying islands by postal code).
  std::vector<std::string> counties() const;
  // Districts of a county in postal-code order; empty for an unknown county.
  std::vector<std::string> districts(std::string_view county) const;
  // The county's name as the table spells it: accepts 台 for 臺 and English names
  // ("taipei city"); nullopt when unknown.
  std::optional<std::string> canonical_county(std::string_view county) const;
  // Same for a district inside a (canonical) county.
  std::optional<std::string> canonical_district(std::string_view county, std::string_view district) const;
  const PostalArea* find(std::string_view county, std::string_view district) const;
  const std::vector<PostalArea>& areas() const { return areas_; }

 private:
  std::vector<PostalArea> areas_;
};

}  // namespace certwiz::form

#include "checks/form/profile.h"

#include <fstream>

#include "assets/assets.h"

namespace certwiz::form {
namespace {
Error invalid(std::string detail) { return Error{"FORM-PROFILE-INVALID", std::move(detail)}; }
}  // namespace

Expected<FormProfile> parse_form_profile(const Json& j) {
  if (!j.is_object()) return invalid("the site profile is not a JSON object");
  FormProfile p;
  const auto pat = j.find("control_no_pattern");
  if (pat == j.end() || !pat->is_string()) return invalid("control_no_pattern: missing or not a string");
  p.control_no_pattern = pat->get<std::string>();
  if (p.control_no_pattern.empty() || p.control_no_pattern.size() > 256)
    return invalid("control_no_pattern: empty or longer than 256 characters");
  try {
    p.control_no = std::make_shared<const std::regex>(p.control_no_pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return invalid(std::string("control_no_pattern does not compile: ") + e.what());
  }
  const auto pol = j.find("password_policy");
  if (pol == j.end() || !pol->is_object()) return invalid("password_policy: missing or not an object");
  const auto ml = pol->find("min_length");
  if (ml == pol->end() || !ml->is_number_integer() || ml->get<long long>() < 1 || ml->get<long long>() > 128)
    return invalid("password_policy.min_length: missing or not an integer from 1 to 128");
  p.password.min_length = ml->get<int>();
  for (auto [key, flag] : {std::pair{"require_letter", &p.password.require_letter},
                           std::pair{"require_digit", &p.password.require_digit},
                           std::pair{"require_special", &p.password.require_special}}) {
    const auto v = pol->find(key);
    if (v == pol->end() || !v->is_boolean())
      return invalid(std::string("password_policy.") + key + ": missing or not true/false");
    *flag = v->get<bool>();
  }
  return p;
}

Expected<FormProfile> load_form_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid("cannot open " + path);
  Json j = Json::parse(in, nullptr, false);
  if (j.is_discarded()) return invalid(path + ": not valid JSON");
  auto p = parse_form_profile(j);
  if (!p) return invalid(path + ": " + p.error().detail);
  return p;
}

Expected<FormProfile> load_default_form_profile() { return load_form_profile(asset_path("sites/default.json")); }

}  // namespace certwiz::form

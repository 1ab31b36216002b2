#include "checks/form/form.h"

#include <algorithm>
#include <array>

#include "checks/form/phone.h"

namespace certwiz::form {
namespace {

// Limits in characters after normalisation; generous for real data, small enough
// that a pasted document is refused instead of printed.
constexpr size_t kCodeMax = 24;
constexpr size_t kNameMax = 100;
constexpr size_t kPersonMax = 60;
constexpr size_t kStreetMax = 120;
constexpr size_t kPlaceMax = 16;
constexpr size_t kPhoneMax = 40;
constexpr size_t kEmailMax = 254;

const std::vector<FieldInfo>& fields_table() {
  static const std::vector<FieldInfo> kFields = {
    {"ubn", {"營利事業統一編號", "Business ID No. (UBN)"}, true},
    {"control_no", {"廢棄物管制編號", "Waste control No."}, false,
     {"有管制編號請輸入，沒有就請空白", "Enter the control number if you have one; otherwise leave it empty"}},
    {"password", {"自訂密碼", "Password"}, true,
     {"請輸入英文及數字及特殊字元", "Use letters, digits and special characters"}},
    {"company_name", {"公司（商業）名稱", "Company name"}, true},
    {"owner_name", {"負責人姓名", "Responsible person"}, true},
    {"owner_id", {"負責人身分證字號", "Responsible person's ID No."}, true},
    {"reg_address", {"登記地址", "Registered address"}, true},
    {"mail_address", {"通訊地址", "Mailing address"}, true},
    {"contact_name", {"承辦人", "Contact person (承辦人)"}, true},
    {"phone1", {"聯絡電話", "Phone"}, true},
    {"phone1_ext", {"分機", "Extension"}, false},
    {"phone2", {"聯絡電話（二）", "Phone 2"}, false},
    // Required, as the seed marks it (*承辦人傳真號碼).
    {"fax", {"承辦人傳真號碼", "Contact person's fax No."}, true},
    {"email", {"電子郵件", "E-mail"}, true},
    {"citizen_cert_login", {"自然人憑證登入", "Citizen certificate login"}, true},
    {"business_cert_login", {"工商憑證登入", "Business certificate login"}, true},
  };
  return kFields;
}

Text sub_label(std::string_view sub) {
  if (sub == "county") return {"縣市", "county/city"};
  if (sub == "district") return {"鄉鎮市區", "district"};
  if (sub == "street") return {"街道門牌", "street and number"};
  if (sub == "zip") return {"郵遞區號", "postal code"};
  return {std::string(sub), std::string(sub)};
}

// 台 → 臺 in names read from free text (both are three UTF-8 bytes).
std::string official_tai(std::string s) {
  static constexpr std::string_view kTai = "台", kOfficial = "臺";
  for (size_t p = s.find(kTai); p != std::string::npos; p = s.find(kTai, p + 3)) s.replace(p, 3, kOfficial);
  return s;
}

class Collector {
 public:
  explicit Collector(Validation& v) : v_(v) {}
  void add(std::string field, Problem p) { v_.errors.push_back({std::move(field), std::move(p.code), std::move(p.message)}); }
  void warn(std::string field, Problem p) { v_.warnings.push_back({std::move(field), std::move(p.code), std::move(p.message)}); }
  void required(const std::string& field) {
    const Text l = field_label(field);
    add(field, {"FORM-FIELD-EMPTY", {l.zh_TW + "是必填欄位。", l.en + " is required."}});
  }
  // Normalises, reports, and tells whether a (non-empty if required) value came out.
  bool take(const std::string& field, const Normalised& n, bool required_field, std::string& out) {
    if (!n.ok()) {
      add(field, *n.problem);
      return false;
    }
    if (n.value.empty()) {
      if (required_field) this->required(field);
      return false;
    }
    out = n.value;
    return true;
  }

 private:
  Validation& v_;
};

void validate_address(const std::string& key, const Address& a, const PostalDirectory& postal, Collector& c,
                      PrintedAddress& out) {
  std::string county, district, street, zip;
  const bool has_county = c.take(key + ".county", normalise_text(a.county, kPlaceMax), true, county);
  const bool has_district = c.take(key + ".district", normalise_text(a.district, kPlaceMax), true, district);
  const bool has_street = c.take(key + ".street", normalise_text(a.street, kStreetMax), true, street);
  const bool has_zip = c.take(key + ".zip", normalise_code(a.zip, kPlaceMax), false, zip);
  const PostalArea* area = nullptr;
  if (has_county) {
    const auto canon = postal.canonical_county(county);
    if (!canon) {
      c.add(key + ".county", {"FORM-ADDRESS-COUNTY",
                              {"「" + county + "」不是臺灣的縣市名稱（例如 臺北市、新北市、高雄市）。",
                               "'" + county + "' is not a county or city of Taiwan (e.g. 臺北市 Taipei City)."}});
    } else {
      out.county = *canon;
      if (has_district) {
        const auto d = postal.canonical_district(*canon, district);
        if (!d) {
          c.add(key + ".district", {"FORM-ADDRESS-DISTRICT",
                                    {"「" + district + "」不是" + *canon + "的鄉鎮市區。",
                                     "'" + district + "' is not a district of " + *canon + "."}});
        } else {
          out.district = *d;
          area = postal.find(*canon, *d);
        }
      }
    }
  }
  if (has_street) {
    // People often type the whole address into the street box: drop a leading
    // postal code and the county and district already chosen above.
    std::string s = street;
    const size_t digits = s.find_first_not_of("0123456789");
    if (digits != std::string::npos && digits >= 3 && digits <= 6) s = s.substr(digits);
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    const std::string official = official_tai(s);
    if (!out.county.empty() && official.starts_with(out.county)) s = s.substr(out.county.size());
    if (!out.district.empty() && official_tai(s).starts_with(out.district)) s = s.substr(out.district.size());
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    if (s.empty()) c.required(key + ".street");
    out.street = s;
  }
  if (area) {
    out.zip = area->zip3;
    if (has_zip) {
      const bool digits_only = zip.find_first_not_of("0123456789") == std::string::npos;
      if (!digits_only || (zip.size() != 3 && zip.size() != 5 && zip.size() != 6)) {
        c.add(key + ".zip", {"FORM-ADDRESS-ZIP",
                             {"郵遞區號「" + zip + "」應為 3 碼或 3+3 碼（6 碼）數字。",
                              "The postal code '" + zip + "' must be 3 digits or 3+3 (6) digits."}});
      } else if (zip.substr(0, 3) != area->zip3) {
        c.add(key + ".zip", {"FORM-ADDRESS-ZIP",
                             {"郵遞區號前 3 碼「" + zip.substr(0, 3) + "」與" + area->county + area->district + "（" +
                                  area->zip3 + "）不符。",
                              "The postal code's first 3 digits '" + zip.substr(0, 3) + "' do not match " + area->county +
                                  area->district + " (" + area->zip3 + ")."}});
      } else {
        out.zip = zip;
      }
    }
  }
}

void validate_phone(const std::string& key, std::string_view raw, bool required_field, Collector& c, std::string& out,
                    std::string* ext_out) {
  std::string text;
  if (!c.take(key, normalise_text(raw, kPhoneMax), required_field, text)) return;
  PhoneResult r = parse_tw_phone(text);
  if (!r.ok()) {
    c.add(key, *r.problem);
    return;
  }
  out = r.number.national;
  if (!r.number.extension.empty()) {
    if (ext_out && !ext_out->empty() && *ext_out != r.number.extension) {
      c.add(key, {"FORM-PHONE-EXT",
                  {"號碼後面寫了分機 " + r.number.extension + "，分機欄又填了 " + *ext_out + "；請只留一個。",
                   "The number ends in extension " + r.number.extension + " but the extension field says " + *ext_out +
                       "; keep one."}});
    } else if (ext_out) {
      *ext_out = r.number.extension;
    } else {
      out += " #" + r.number.extension;
    }
  }
}

}  // namespace

std::span<const FieldInfo> form_fields() { return fields_table(); }

const FieldInfo* find_field(std::string_view key) {
  for (const auto& f : form_fields())
    if (f.key == key) return &f;
  return nullptr;
}

Text field_label(std::string_view key) {
  const size_t dot = key.find('.');
  const FieldInfo* f = find_field(key.substr(0, dot));
  Text l = f ? f->label : Text{std::string(key), std::string(key)};
  if (dot != std::string_view::npos) {
    const Text s = sub_label(key.substr(dot + 1));
    l.zh_TW += s.zh_TW;
    l.en += " (" + s.en + ")";
  }
  return l;
}

Expected<FormRules> load_form_rules(const std::string& profile_path) {
  auto profile = profile_path.empty() ? load_default_form_profile() : load_form_profile(profile_path);
  if (!profile) return profile.error();
  auto postal = PostalDirectory::load_default();
  if (!postal) return postal.error();
  FormRules r;
  r.profile = std::move(*profile);
  r.postal = std::make_shared<const PostalDirectory>(std::move(*postal));
  r.today = std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  return r;
}

Validation validate(const ApplicationForm& f, const FormRules& rules) {
  Validation v;
  Collector c(v);
  ValidatedForm& out = v.values;

  if (c.take("ubn", normalise_code(f.ubn, kCodeMax), true, out.ubn))
    if (auto p = check_ubn(out.ubn)) c.add("ubn", *p);

  if (c.take("control_no", normalise_code(f.control_no, kCodeMax), false, out.control_no) && rules.profile.control_no)
    if (auto p = check_control_no(out.control_no, *rules.profile.control_no, rules.profile.control_no_pattern))
      c.add("control_no", *p);

  std::vector<std::string> related;
  for (const std::string& s : {out.ubn, normalise_code(f.owner_id, kCodeMax).value})
    if (!s.empty()) related.push_back(s);
  PasswordCheck pw = check_password(f.password, rules.profile.password, related, rules.cracklib_dict);
  for (auto& p : pw.problems) c.add("password", std::move(p));
  for (auto& p : pw.warnings) c.warn("password", std::move(p));
  v.password = pw.feedback;

  c.take("company_name", normalise_text(f.company_name, kNameMax), true, out.company_name);
  c.take("owner_name", normalise_text(f.owner_name, kPersonMax), true, out.owner_name);
  if (c.take("owner_id", normalise_code(f.owner_id, kCodeMax), true, out.owner_id))
    if (auto p = check_person_id(out.owner_id, rules.today)) c.add("owner_id", *p);

  validate_address("reg_address", f.reg_address, *rules.postal, c, out.reg_address);
  validate_address("mail_address", f.mail_address, *rules.postal, c, out.mail_address);

  c.take("contact_name", normalise_text(f.contact_name, kPersonMax), true, out.contact_name);
  if (c.take("phone1_ext", normalise_text(f.phone1_ext, kPlaceMax), false, out.phone1_ext))
    if (auto p = check_extension(out.phone1_ext)) c.add("phone1_ext", *p);
  validate_phone("phone1", f.phone1, true, c, out.phone1, &out.phone1_ext);
  validate_phone("phone2", f.phone2, false, c, out.phone2, nullptr);
  validate_phone("fax", f.fax, true, c, out.fax, nullptr);

  if (c.take("email", normalise_text(f.email, kEmailMax), true, out.email)) {
    // Domains are case-insensitive; print them the usual lower-case way.
    const size_t at = out.email.rfind('@');
    if (at != std::string::npos)
      for (size_t i = at; i < out.email.size(); ++i)
        if (out.email[i] >= 'A' && out.email[i] <= 'Z') out.email[i] = static_cast<char>(out.email[i] - 'A' + 'a');
    if (auto p = check_email(out.email)) c.add("email", *p);
  }

  for (auto [key, raw, flag] : {std::tuple{"citizen_cert_login", &f.citizen_cert_login, &out.citizen_cert_login},
                                std::tuple{"business_cert_login", &f.business_cert_login, &out.business_cert_login}}) {
    std::string choice;
    if (!c.take(key, normalise_text(*raw, kPlaceMax), true, choice)) continue;
    if (const auto b = parse_cert_login_choice(choice)) {
      *flag = *b;
    } else {
      c.add(key, {"FORM-CERT-LOGIN-CHOICE",
                  {"「" + choice + "」不是可選的值；請填 enable（啟用）或 disable（停用）。",
                   "'" + choice + "' is not a choice; use enable or disable."}});
    }
  }
  return v;
}

std::vector<FieldError> validate_field(const ApplicationForm& form, std::string_view key, const FormRules& rules) {
  Validation v = validate(form, rules);
  std::vector<FieldError> out;
  for (auto& e : v.errors)
    if (e.field == key || (e.field.size() > key.size() && e.field.starts_with(key) && e.field[key.size()] == '.'))
      out.push_back(std::move(e));
  return out;
}

void copy_registered_to_mailing(ApplicationForm& form) { form.mail_address = form.reg_address; }

bool fill_postal_code(Address& a, const PostalDirectory& postal) {
  const PostalArea* area = postal.find(normalise_text(a.county, kPlaceMax).value,
                                       normalise_text(a.district, kPlaceMax).value);
  if (!area) return false;
  const std::string zip = normalise_code(a.zip, kPlaceMax).value;
  if (zip.size() >= 3 && zip.substr(0, 3) == area->zip3) return false;
  a.zip = area->zip3;
  return true;
}

Address split_address(std::string_view one_line, const PostalDirectory& postal) {
  Address a;
  std::string s = normalise_text(one_line, kStreetMax * 2).value;
  const size_t digits = s.find_first_not_of("0123456789");
  if (digits != std::string::npos && digits >= 3 && digits <= 6) {
    a.zip = s.substr(0, digits);
    s = s.substr(digits);
  }
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  const std::string official = official_tai(s);
  for (const auto& county : postal.counties()) {
    if (!official.starts_with(county)) continue;
    a.county = county;
    s = s.substr(county.size());
    const std::string rest = official_tai(s);
    for (const auto& district : postal.districts(county)) {
      if (!rest.starts_with(district)) continue;
      a.district = district;
      s = s.substr(district.size());
      break;
    }
    break;
  }
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  a.street = s;
  return a;
}

Expected<LoadOutcome> load_company(ApplicationForm& form, CompanyLookup& lookup, const PostalDirectory& postal) {
  const Normalised ubn = normalise_code(form.ubn, kCodeMax);
  if (!ubn.ok()) return Error{ubn.problem->code, ubn.problem->message.en};
  if (ubn.value.empty()) return Error{"FORM-FIELD-EMPTY", "type the UBN before loading the company"};
  if (auto p = check_ubn(ubn.value)) return Error{p->code, p->message.en};
  auto record = lookup.find(ubn.value);
  if (!record) return record.error();
  LoadOutcome o;
  auto fill = [&](const char* key, std::string& field, const std::string& value) {
    if (value.empty()) return;
    const std::string typed = normalise_text(field, kNameMax).value;
    if (typed.empty()) {
      field = value;
      o.filled.emplace_back(key);
    } else if (typed != normalise_text(value, kNameMax).value) {
      o.kept.emplace_back(key);
    }
  };
  fill("company_name", form.company_name, record->name);
  fill("owner_name", form.owner_name, record->owner);
  if (!record->address.empty()) {
    Address& reg = form.reg_address;
    auto blank = [](const std::string& s) { return normalise_text(s, kStreetMax).value.empty(); };
    if (blank(reg.county) && blank(reg.district) && blank(reg.street)) {
      reg = split_address(record->address, postal);
      fill_postal_code(reg, postal);
      o.filled.emplace_back("reg_address");
    } else {
      o.kept.emplace_back("reg_address");
    }
  }
  return o;
}

}  // namespace certwiz::form

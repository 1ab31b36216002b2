#pragma once
// The account application form (網路帳號密碼申請書) of the waste-declaration site:
// the fields as the user typed them, the rules that check them all at once, and the
// form's actions (載入 from the company registry, same-as-registered address, postal
// code fill). No GUI code: the wizard's page and the CLI both drive this.
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/form/password.h"
#include "checks/form/postal.h"
#include "checks/form/profile.h"
#include "checks/form/rules.h"

namespace certwiz::form {

struct Address {
  std::string county;    // 縣市
  std::string district;  // 鄉鎮市區
  std::string street;    // the rest: road, number, floor
  std::string zip;       // optional: 3 digits, or 3+3 (6 digits); filled from county + district
};

// What the user typed (or what a form file said). Move-only: it holds the password.
struct ApplicationForm {
  std::string ubn;           // 營利事業統一編號
  std::string control_no;    // 廢棄物管制編號 (optional)
  Secret password;           // 自訂密碼
  std::string company_name;  // 公司（商業）名稱
  std::string owner_name;    // 負責人姓名
  std::string owner_id;      // 負責人身分證字號（或居留證號）
  Address reg_address;       // 登記地址
  Address mail_address;      // 通訊地址
  std::string contact_name;  // 聯絡人
  std::string phone1, phone1_ext, phone2, fax, email;
  std::string citizen_cert_login;   // "enable" | "disable" (自然人憑證登入)
  std::string business_cert_login;  // "enable" | "disable" (工商憑證登入)
};

// One error, keyed by the field's JSON key ("ubn", "reg_address.district"); the
// field is empty for problems with the file as a whole.
struct FieldError {
  std::string field;
  std::string code;
  Text message;
};

struct FieldInfo {
  std::string_view key;  // JSON key, also the key of FieldError
  Text label;
  bool required;
  Text hint{};  // the seed's hint beside the field ("有管制編號請輸入，沒有就請空白"); empty: none
};
// Every field in the order the form shows them (addresses as one entry each).
std::span<const FieldInfo> form_fields();
const FieldInfo* find_field(std::string_view key);
// The label of a field or sub-field ("reg_address.county" → 登記地址 縣市).
Text field_label(std::string_view key);

// Everything the rules need besides the form: loaded once, shared by every check.
struct FormRules {
  FormProfile profile;
  std::shared_ptr<const PostalDirectory> postal;
  std::chrono::year_month_day today;
  std::string cracklib_dict;  // empty: the system's (see find_cracklib_dictionary)
};
// The default site profile and postal table; `profile_path` overrides the profile.
Expected<FormRules> load_form_rules(const std::string& profile_path = {});

struct PrintedAddress {
  std::string zip;  // 3 or 6 digits
  std::string county, district, street;
};

// The checked, normalised values ready for printing. It has no password field on
// purpose: nothing printed or saved from it can leak the password.
struct ValidatedForm {
  std::string ubn, control_no, company_name, owner_name, owner_id;
  PrintedAddress reg_address, mail_address;
  std::string contact_name, phone1, phone1_ext, phone2, fax, email;
  bool citizen_cert_login = false;
  bool business_cert_login = false;
};

struct Validation {
  std::vector<FieldError> errors;    // every problem of every field
  std::vector<FieldError> warnings;  // e.g. password dictionary unavailable
  ValidatedForm values;              // complete only when errors is empty
  PasswordFeedback password;
  bool ok() const { return errors.empty(); }
};

Validation validate(const ApplicationForm& form, const FormRules& rules);
// The errors of one field (and its sub-fields), for live checks as the user types.
std::vector<FieldError> validate_field(const ApplicationForm& form, std::string_view key, const FormRules& rules);

// 同登記地址: copies the registered address to the mailing address.
void copy_registered_to_mailing(ApplicationForm& form);
// Fills the 3-digit postal code from county + district when they are known and
// the zip is empty or disagrees with them; true when it changed.
bool fill_postal_code(Address& address, const PostalDirectory& postal);

// The company registry as seen by the 載入 button. The site client implements it
// (another module); tests use fakes. Errors carry FORM-LOOKUP-NOT-FOUND,
// FORM-LOOKUP-FAILED or the implementation's own catalogue code.
struct CompanyRecord {
  std::string name;     // 公司名稱
  std::string owner;    // 代表人 / 負責人
  std::string address;  // one line, e.g. "臺北市中正區重慶南路一段122號"
};
class CompanyLookup {
 public:
  virtual ~CompanyLookup() = default;
  // `ubn` is 8 digits that pass the checksum.
  virtual Expected<CompanyRecord> find(const std::string& ubn) = 0;
};

struct LoadOutcome {
  std::vector<std::string> filled;  // keys of fields that were empty and are now filled
  std::vector<std::string> kept;    // keys where the user's own text was kept
};
// 載入: checks the UBN, asks `lookup`, and fills only the fields the user has not
// typed (empty after trimming). The registry's one-line address is split into county,
// district and street with the postal table. Errors: the UBN's own (FORM-UBN-*) or the lookup's.
Expected<LoadOutcome> load_company(ApplicationForm& form, CompanyLookup& lookup, const PostalDirectory& postal);

// Splits "臺北市中正區重慶南路一段122號" (optionally led by a postal code) into an Address.
Address split_address(std::string_view one_line, const PostalDirectory& postal);

}  // namespace certwiz::form

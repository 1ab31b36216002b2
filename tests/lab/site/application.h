#pragma once
// The account application (POST {apply}) as the site reads it: the keys of
// docs/application-form.md, each field checked by the site's own rules (UBN and
// national-ID checksums as the facts file gives them, written here independently of
// CertWiz's form model, since a real site checks with its own code).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace certwiz::site_server {

struct ApplicationAddress {
  std::string zip, county, district, street;
};

struct Application {
  std::string ubn, control_no, company_name, owner_name, owner_id;
  ApplicationAddress reg_address, mail_address;
  std::string contact_name, phone1, phone1_ext, phone2, fax, email;
  bool citizen_cert_login = false, business_cert_login = false;
};

// One wrong field: its key ("reg_address.street") and a FORM-* code of docs/application-form.md.
struct ApplicationFieldError {
  std::string field, code;
};

struct ReadApplication {
  bool is_object = false;  // false: the body is not a JSON object (SITE-BODY-MALFORMED)
  Application application;
  std::string password;  // the caller hashes it and wipes this
  std::vector<ApplicationFieldError> errors;
  bool ok() const { return is_object && errors.empty(); }
};

ReadApplication read_application(std::string_view body);

// 統一編號: 8 digits; weights 1,2,1,2,1,2,4,1, the digits of each product added; valid
// when the sum is divisible by 5 (or 10, the old rule), or when the 7th digit is 7 and
// sum + 1 is.
bool valid_ubn(std::string_view ubn);
// 身分證字號 [A-Z][12]\d{8}, resident numbers [A-Z][89]\d{8} and [A-Z][A-D]\d{8}: letter code,
// weights 1,9,8,...,1, total divisible by 10. Nullopt when valid, else the FORM-ID-* code.
std::optional<std::string> person_id_problem(std::string_view id);

}  // namespace certwiz::site_server

#pragma once
// A valid form and the default rules, shared by the form's tests.
#include <gtest/gtest.h>

#include "checks/form/form.h"

namespace certwiz::form::testing {

inline const FormRules& default_rules() {
  static const FormRules rules = [] {
    auto r = load_form_rules();
    if (!r) throw std::runtime_error("cannot load form rules: " + r.error().detail);
    FormRules out = std::move(*r);
    out.today = std::chrono::year{2026} / std::chrono::November / 26;
    return out;
  }();
  return rules;
}

inline constexpr const char* kSamplePassword = "Qz7#kLm2pX!w";

inline ApplicationForm sample_form() {
  ApplicationForm f;
  f.ubn = "22099131";
  f.control_no = "E5601234";
  f.password = Secret(kSamplePassword);
  f.company_name = "臺灣範例環保股份有限公司";
  f.owner_name = "王大明";
  f.owner_id = "A123456789";
  f.reg_address = {"臺北市", "中正區", "重慶南路一段122號", ""};
  f.mail_address = {"新北市", "板橋區", "中山路一段161號5樓", "220"};
  f.contact_name = "陳小華";
  f.phone1 = "02-2311-1234";
  f.phone1_ext = "123";
  f.phone2 = "0912-345-678";
  f.fax = "02-2311-5678";
  f.email = "service@example.com.tw";
  f.citizen_cert_login = "enable";
  f.business_cert_login = "disable";
  return f;
}

inline std::vector<std::string> error_keys(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field + " " + e.code);
  return out;
}

}  // namespace certwiz::form::testing

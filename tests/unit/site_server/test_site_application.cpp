// The site's own reading of an application (tests/lab/site/application.cpp): checksums
// per the facts file, every key, every field problem reported with its FORM-* code.
#include <gtest/gtest.h>

#include <set>

#include "tests/lab/site/application.h"

namespace certwiz::site_server {
namespace {

using nlohmann::json;

json good_form() {
  return {{"ubn", "22099131"},
          {"control_no", "E5601234"},
          {"password", "Qz7#kLm2pX!w"},
          {"company_name", "臺灣範例環保股份有限公司"},
          {"owner_name", "王大明"},
          {"owner_id", "A123456789"},
          {"reg_address", {{"county", "臺北市"}, {"district", "中正區"}, {"street", "重慶南路一段122號"}}},
          {"mail_address", {{"county", "新北市"}, {"district", "板橋區"}, {"street", "中山路一段161號5樓"}, {"zip", "220"}}},
          {"contact_name", "陳小華"},
          {"phone1", "02 2311 1234"},
          {"phone1_ext", "123"},
          {"phone2", "0912-345-678"},
          {"fax", "02 2311 5678"},
          {"email", "service@example.com.tw"},
          {"citizen_cert_login", "enable"},
          {"business_cert_login", "disable"}};
}

std::set<std::string> problems(const json& form) {
  ReadApplication r = read_application(form.dump());
  std::set<std::string> out;
  for (const auto& e : r.errors) out.insert(e.field + "/" + e.code);
  return out;
}

TEST(SiteApplication, UbnChecksumAsTheFactsGiveIt) {
  EXPECT_TRUE(valid_ubn("83124560"));
  EXPECT_TRUE(valid_ubn("22099131"));
  EXPECT_FALSE(valid_ubn("83124561"));
  // 7th digit 7: sum + 1 divisible by 5 counts too.
  EXPECT_TRUE(valid_ubn("10458575"));
  EXPECT_TRUE(valid_ubn("10458574"));
  EXPECT_FALSE(valid_ubn("1045857"));
  EXPECT_FALSE(valid_ubn("1045857a"));
}

TEST(SiteApplication, PersonIdsAndResidentNumbers) {
  EXPECT_EQ(person_id_problem("A123456789"), std::nullopt);
  EXPECT_EQ(person_id_problem("F131058274"), std::nullopt);
  EXPECT_EQ(person_id_problem("A800000014"), std::nullopt);  // new resident number
  EXPECT_EQ(person_id_problem("AB12345677"), std::nullopt);  // old resident number
  EXPECT_EQ(person_id_problem("A123456788"), "FORM-ID-CHECKSUM");
  EXPECT_EQ(person_id_problem("A323456789"), "FORM-ID-GENDER");
  EXPECT_EQ(person_id_problem("1123456789"), "FORM-ID-LETTER");
  EXPECT_EQ(person_id_problem("A12345678"), "FORM-ID-FORMAT");
}

TEST(SiteApplication, AGoodFormPassesAndKeepsItsValues) {
  ReadApplication r = read_application(good_form().dump());
  ASSERT_TRUE(r.ok()) << r.errors.size() << " " << (r.errors.empty() ? "" : r.errors[0].field + r.errors[0].code);
  EXPECT_EQ(r.application.ubn, "22099131");
  EXPECT_EQ(r.application.mail_address.zip, "220");
  EXPECT_TRUE(r.application.citizen_cert_login);
  EXPECT_FALSE(r.application.business_cert_login);
  EXPECT_EQ(r.password, "Qz7#kLm2pX!w");
}

TEST(SiteApplication, EveryProblemIsReportedByField) {
  json f = good_form();
  f["ubn"] = "83124561";
  f["owner_id"] = "A123456788";
  f["email"] = "not-an-email";
  f["password"] = "short";
  f["phone1"] = "12345";
  f["citizen_cert_login"] = "maybe";
  f["reg_address"].erase("street");
  f["company_name"] = "  ";
  f["extra"] = 1;
  f["owner_name"] = 5;
  f["contact_name"] = "a\tb";
  const auto p = problems(f);
  for (const char* want :
       {"ubn/FORM-UBN-CHECKSUM", "owner_id/FORM-ID-CHECKSUM", "email/FORM-EMAIL-FORMAT", "password/FORM-PASSWORD-TOO-SHORT",
        "phone1/FORM-PHONE-INVALID", "citizen_cert_login/FORM-CERT-LOGIN-CHOICE", "reg_address.street/FORM-FIELD-MISSING",
        "company_name/FORM-FIELD-EMPTY", "extra/FORM-JSON-UNKNOWN-KEY", "owner_name/FORM-JSON-WRONG-TYPE",
        "contact_name/FORM-TEXT-CONTROL"})
    EXPECT_TRUE(p.count(want)) << want;
  EXPECT_FALSE(read_application("[1, 2]").is_object);
  EXPECT_FALSE(read_application("{").is_object);
}

}  // namespace
}  // namespace certwiz::site_server

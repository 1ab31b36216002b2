// The form as a whole: every error at once, normalised values, address pickers,
// the 載入 action with a fake registry, and the site profile.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/form/form_fixture.h"

namespace certwiz::form {
namespace {

using testing::default_rules;
using testing::error_keys;
using testing::sample_form;
using ::testing::Contains;

bool has(const std::vector<FieldError>& errors, const std::string& field, const std::string& code) {
  return std::any_of(errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == field && e.code == code; });
}

TEST(Validate, SampleFormPassesWithNormalisedValues) {
  const Validation v = validate(sample_form(), default_rules());
  ASSERT_TRUE(v.ok()) << ::testing::PrintToString(error_keys(v.errors));
  EXPECT_EQ(v.values.ubn, "22099131");
  EXPECT_EQ(v.values.reg_address.zip, "100");
  EXPECT_EQ(v.values.mail_address.zip, "220");
  EXPECT_EQ(v.values.phone1, "02 2311 1234");
  EXPECT_EQ(v.values.phone1_ext, "123");
  EXPECT_EQ(v.values.phone2, "0912 345 678");
  EXPECT_TRUE(v.values.citizen_cert_login);
  EXPECT_FALSE(v.values.business_cert_login);
  EXPECT_GT(v.password.score, 0);
}

TEST(Validate, FullWidthAndLowerCaseInputNormalised) {
  ApplicationForm f = sample_form();
  f.ubn = "２２０９９１３１";
  f.owner_id = "ａ１２３４５６７８９";
  f.company_name = "　ＡＢＣ　環保　";
  f.email = "Service@EXAMPLE.com.TW";
  f.reg_address.county = "台北市";
  const Validation v = validate(f, default_rules());
  ASSERT_TRUE(v.ok()) << ::testing::PrintToString(error_keys(v.errors));
  EXPECT_EQ(v.values.ubn, "22099131");
  EXPECT_EQ(v.values.owner_id, "A123456789");
  EXPECT_EQ(v.values.company_name, "ABC 環保");
  EXPECT_EQ(v.values.email, "Service@example.com.tw");
  EXPECT_EQ(v.values.reg_address.county, "臺北市");
}

TEST(Validate, AllErrorsReportedAtOnceKeyedByField) {
  ApplicationForm f = sample_form();
  f.ubn = "22099132";
  f.owner_id = "A123456788";
  f.company_name = "  ";
  f.email = "a@localhost";
  f.password = Secret("abc");
  f.phone1 = "12";
  f.citizen_cert_login = "maybe";
  f.mail_address.district = "中正區";  // not in 新北市
  const Validation v = validate(f, default_rules());
  EXPECT_TRUE(has(v.errors, "ubn", "FORM-UBN-CHECKSUM"));
  EXPECT_TRUE(has(v.errors, "owner_id", "FORM-ID-CHECKSUM"));
  EXPECT_TRUE(has(v.errors, "company_name", "FORM-FIELD-EMPTY"));
  EXPECT_TRUE(has(v.errors, "email", "FORM-EMAIL-DOMAIN"));
  EXPECT_TRUE(has(v.errors, "password", "FORM-PASSWORD-TOO-SHORT"));
  EXPECT_TRUE(has(v.errors, "password", "FORM-PASSWORD-CLASSES"));
  EXPECT_TRUE(has(v.errors, "phone1", "FORM-PHONE-INVALID"));
  EXPECT_TRUE(has(v.errors, "citizen_cert_login", "FORM-CERT-LOGIN-CHOICE"));
  EXPECT_TRUE(has(v.errors, "mail_address.district", "FORM-ADDRESS-DISTRICT"));
  EXPECT_EQ(v.errors.size(), 9u) << ::testing::PrintToString(error_keys(v.errors));
  for (const auto& e : v.errors) {
    EXPECT_NE(find_failure_code(e.code), nullptr) << e.code << " is not in the catalogue";
    EXPECT_FALSE(e.message.zh_TW.empty());
    EXPECT_FALSE(e.message.en.empty());
  }
}

TEST(Validate, EmptyFormReportsEveryRequiredField) {
  const Validation v = validate(ApplicationForm{}, default_rules());
  for (const char* k : {"ubn", "password", "company_name", "owner_name", "owner_id", "reg_address.county",
                        "reg_address.district", "reg_address.street", "mail_address.county", "contact_name", "phone1",
                        "fax", "email", "citizen_cert_login", "business_cert_login"})
    EXPECT_TRUE(has(v.errors, k, "FORM-FIELD-EMPTY")) << k;
  // Fax is required, as the seed marks it (*承辦人傳真號碼).
  for (const char* k : {"control_no", "phone1_ext", "phone2", "reg_address.zip"})
    for (const auto& e : v.errors) EXPECT_NE(e.field, k);
}

TEST(Validate, ControlNumberOptionalButShapeCheckedWhenGiven) {
  ApplicationForm f = sample_form();
  f.control_no = "";
  EXPECT_TRUE(validate(f, default_rules()).ok());
  f.control_no = "e5601234";  // lower case folds
  EXPECT_TRUE(validate(f, default_rules()).ok());
  f.control_no = "E56-01";
  EXPECT_TRUE(has(validate(f, default_rules()).errors, "control_no", "FORM-CONTROL-NO-FORMAT"));
}

TEST(Validate, PostalCodeThreeOrThreePlusThree) {
  ApplicationForm f = sample_form();
  f.reg_address.zip = "100012";
  Validation v = validate(f, default_rules());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.values.reg_address.zip, "100012");
  f.reg_address.zip = "104";
  v = validate(f, default_rules());
  ASSERT_TRUE(has(v.errors, "reg_address.zip", "FORM-ADDRESS-ZIP"));
  EXPECT_NE(v.errors[0].message.en.find("(100)"), std::string::npos) << v.errors[0].message.en;
  f.reg_address.zip = "10";
  EXPECT_TRUE(has(validate(f, default_rules()).errors, "reg_address.zip", "FORM-ADDRESS-ZIP"));
  f.reg_address.zip = "104012";
  EXPECT_TRUE(has(validate(f, default_rules()).errors, "reg_address.zip", "FORM-ADDRESS-ZIP"));
}

TEST(Validate, UnknownCountyAndStreetWithRepeatedCounty) {
  ApplicationForm f = sample_form();
  f.reg_address.county = "東京都";
  EXPECT_TRUE(has(validate(f, default_rules()).errors, "reg_address.county", "FORM-ADDRESS-COUNTY"));
  f = sample_form();
  f.reg_address.street = "100 台北市中正區重慶南路一段122號";
  const Validation v = validate(f, default_rules());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.values.reg_address.street, "重慶南路一段122號");
}

TEST(Validate, ExtensionTwiceIsAnError) {
  ApplicationForm f = sample_form();
  f.phone1 = "02-2311-1234#456";
  EXPECT_TRUE(has(validate(f, default_rules()).errors, "phone1", "FORM-PHONE-EXT"));
  f.phone1_ext = "";
  const Validation v = validate(f, default_rules());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.values.phone1_ext, "456");
  f.phone1_ext = "12a";
  EXPECT_TRUE(has(validate(f, default_rules()).errors, "phone1_ext", "FORM-PHONE-EXT"));
}

TEST(Validate, FieldLevelCheckForLiveValidation) {
  ApplicationForm f = sample_form();
  f.ubn = "1234";
  f.reg_address.district = "板橋區";
  EXPECT_EQ(error_keys(validate_field(f, "ubn", default_rules())), std::vector<std::string>{"ubn FORM-UBN-FORMAT"});
  EXPECT_EQ(error_keys(validate_field(f, "reg_address", default_rules())),
            std::vector<std::string>{"reg_address.district FORM-ADDRESS-DISTRICT"});
  EXPECT_TRUE(validate_field(f, "email", default_rules()).empty());
}

TEST(Fields, EveryFieldHasBothLabels) {
  EXPECT_EQ(form_fields().size(), 16u);
  for (const auto& f : form_fields()) {
    EXPECT_FALSE(f.label.zh_TW.empty()) << f.key;
    EXPECT_FALSE(f.label.en.empty()) << f.key;
  }
  EXPECT_EQ(field_label("reg_address.county").zh_TW, "登記地址縣市");
}

TEST(Postal, CountiesAndDistrictsForPickers) {
  const PostalDirectory& p = *default_rules().postal;
  const auto counties = p.counties();
  EXPECT_EQ(counties.size(), 22u);
  EXPECT_EQ(counties.front(), "臺北市");
  EXPECT_THAT(counties, Contains("連江縣"));
  const auto taipei = p.districts("臺北市");
  EXPECT_EQ(taipei.size(), 12u);
  EXPECT_EQ(taipei.front(), "中正區");
  EXPECT_EQ(p.districts("台北市"), taipei);
  EXPECT_EQ(p.districts("Taipei City"), taipei);
  EXPECT_TRUE(p.districts("Gotham").empty());
  ASSERT_NE(p.find("新竹市", "東區"), nullptr);
  EXPECT_EQ(p.find("新竹市", "東區")->zip3, "300");
  EXPECT_EQ(p.find("新竹市", "香山區")->zip3, "300");
  EXPECT_EQ(p.find("台東縣", "台東市")->zip3, "950");
  EXPECT_EQ(p.find("臺北市", "板橋區"), nullptr);
}

TEST(Postal, MalformedTableRefused) {
  EXPECT_EQ(PostalDirectory::parse("").error().code, "FORM-POSTAL-TABLE");
  EXPECT_FALSE(PostalDirectory::parse("zip,county\n").ok());
  EXPECT_FALSE(PostalDirectory::parse("zip3,county,district,county_en,district_en\n1x0,a,b,c,d\n").ok());
  EXPECT_FALSE(PostalDirectory::load("/nonexistent/zip3.csv").ok());
  EXPECT_TRUE(PostalDirectory::parse("zip3,county,district,county_en,district_en\r\n100,a,b,c,d\r\n").ok());
}

TEST(Actions, SameAsRegisteredAddressAndPostalFill) {
  ApplicationForm f = sample_form();
  f.reg_address.zip = "";
  copy_registered_to_mailing(f);
  EXPECT_EQ(f.mail_address.district, "中正區");
  EXPECT_TRUE(fill_postal_code(f.mail_address, *default_rules().postal));
  EXPECT_EQ(f.mail_address.zip, "100");
  EXPECT_FALSE(fill_postal_code(f.mail_address, *default_rules().postal));
  f.mail_address.zip = "100012";
  EXPECT_FALSE(fill_postal_code(f.mail_address, *default_rules().postal));  // a matching 3+3 code is kept
  f.mail_address.zip = "106";
  EXPECT_TRUE(fill_postal_code(f.mail_address, *default_rules().postal));
  EXPECT_EQ(f.mail_address.zip, "100");
}

class FakeRegistry : public CompanyLookup {
 public:
  Expected<CompanyRecord> find(const std::string& ubn) override {
    ++calls;
    last_ubn = ubn;
    if (fail) return Error{"FORM-LOOKUP-FAILED", "registry timed out"};
    if (ubn != "22099131") return Error{"FORM-LOOKUP-NOT-FOUND", ubn};
    return CompanyRecord{"台灣積體電路製造股份有限公司", "魏哲家", "300 新竹市東區力行六路8號"};
  }
  int calls = 0;
  bool fail = false;
  std::string last_ubn;
};

TEST(Load, FillsOnlyWhatTheUserHasNotTyped) {
  FakeRegistry registry;
  ApplicationForm f;
  f.ubn = "２２０９９１３１";
  f.owner_name = "我自己";
  auto o = load_company(f, registry, *default_rules().postal);
  ASSERT_TRUE(o.ok()) << o.error().code;
  EXPECT_EQ(registry.last_ubn, "22099131");
  EXPECT_EQ(f.company_name, "台灣積體電路製造股份有限公司");
  EXPECT_EQ(f.owner_name, "我自己");
  EXPECT_EQ(f.reg_address.county, "新竹市");
  EXPECT_EQ(f.reg_address.district, "東區");
  EXPECT_EQ(f.reg_address.street, "力行六路8號");
  EXPECT_EQ(f.reg_address.zip, "300");
  EXPECT_EQ(o->filled, (std::vector<std::string>{"company_name", "reg_address"}));
  EXPECT_EQ(o->kept, std::vector<std::string>{"owner_name"});
}

TEST(Load, InvalidUbnNeverReachesTheRegistry) {
  FakeRegistry registry;
  ApplicationForm f;
  f.ubn = "22099132";
  auto o = load_company(f, registry, *default_rules().postal);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, "FORM-UBN-CHECKSUM");
  f.ubn = "";
  EXPECT_EQ(load_company(f, registry, *default_rules().postal).error().code, "FORM-FIELD-EMPTY");
  EXPECT_EQ(registry.calls, 0);
}

TEST(Load, RegistryErrorsPassThroughAndChangeNothing) {
  FakeRegistry registry;
  ApplicationForm f;
  f.ubn = "04595257";
  EXPECT_EQ(load_company(f, registry, *default_rules().postal).error().code, "FORM-LOOKUP-NOT-FOUND");
  registry.fail = true;
  f.ubn = "22099131";
  EXPECT_EQ(load_company(f, registry, *default_rules().postal).error().code, "FORM-LOOKUP-FAILED");
  EXPECT_TRUE(f.company_name.empty());
  EXPECT_TRUE(f.reg_address.county.empty());
}

TEST(Load, SplitsOneLineAddresses) {
  const PostalDirectory& p = *default_rules().postal;
  Address a = split_address("臺北市中正區重慶南路一段122號", p);
  EXPECT_EQ(a.county + "|" + a.district + "|" + a.street, "臺北市|中正區|重慶南路一段122號");
  a = split_address("台東縣台東市中華路一段1號", p);
  EXPECT_EQ(a.county + "|" + a.district + "|" + a.street, "臺東縣|臺東市|中華路一段1號");
  a = split_address("某處某路1號", p);
  EXPECT_EQ(a.county + "|" + a.district + "|" + a.street, "||某處某路1號");
}

TEST(Profile, DefaultProfileHasThePolicy) {
  auto p = load_default_form_profile();
  ASSERT_TRUE(p.ok()) << p.error().detail;
  EXPECT_EQ(p->password.min_length, 8);
  EXPECT_TRUE(p->password.require_letter && p->password.require_digit && p->password.require_special);
  EXPECT_FALSE(p->control_no_pattern.empty());
}

TEST(Profile, MalformedProfilesRefusedWithTheKeyNamed) {
  const Json good = Json::parse(R"({"control_no_pattern":"^[A-Z]{2}$","password_policy":{"min_length":10,
      "require_letter":true,"require_digit":false,"require_special":false},"other_module_key":1})");
  auto p = parse_form_profile(good);
  ASSERT_TRUE(p.ok()) << p.error().detail;
  EXPECT_EQ(p->password.min_length, 10);
  EXPECT_FALSE(p->password.require_digit);

  Json bad = good;
  bad["control_no_pattern"] = "^[A-Z";
  EXPECT_NE(parse_form_profile(bad).error().detail.find("control_no_pattern"), std::string::npos);
  bad = good;
  bad["password_policy"].erase("require_digit");
  EXPECT_NE(parse_form_profile(bad).error().detail.find("require_digit"), std::string::npos);
  bad = good;
  bad["password_policy"]["min_length"] = "8";
  EXPECT_EQ(parse_form_profile(bad).error().code, "FORM-PROFILE-INVALID");
  EXPECT_FALSE(parse_form_profile(Json::array()).ok());
  EXPECT_FALSE(load_form_profile("/nonexistent/site.json").ok());
}

TEST(Profile, StricterProfileChangesTheRules) {
  FormRules rules = default_rules();
  rules.profile = *parse_form_profile(Json::parse(R"({"control_no_pattern":"^Q[0-9]{3}$","password_policy":{
      "min_length":16,"require_letter":true,"require_digit":true,"require_special":true}})"));
  const Validation v = validate(sample_form(), rules);
  EXPECT_TRUE(has(v.errors, "control_no", "FORM-CONTROL-NO-FORMAT"));
  EXPECT_TRUE(has(v.errors, "password", "FORM-PASSWORD-TOO-SHORT"));
}

}  // namespace
}  // namespace certwiz::form

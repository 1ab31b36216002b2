// The form JSON file: exact keys, types, sizes, and every problem keyed by field.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "checks/form/form_json.h"
#include "tests/unit/form/form_fixture.h"

namespace certwiz::form {
namespace {

using testing::default_rules;
using testing::error_keys;
using testing::kSamplePassword;

Json sample_json() {
  std::ifstream in(CERTWIZ_FORM_TEST_DATA "/sample_form.json");
  return Json::parse(in);
}

bool has(const std::vector<FieldError>& errors, const std::string& field, const std::string& code) {
  return std::any_of(errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == field && e.code == code; });
}

TEST(FormJson, SampleFileReadsAndPasses) {
  const CheckedForm c = check_form_file(CERTWIZ_FORM_TEST_DATA "/sample_form.json", default_rules());
  ASSERT_TRUE(c.ok()) << ::testing::PrintToString(error_keys(c.errors));
  EXPECT_EQ(c.file.form.password.reveal(), kSamplePassword);
  EXPECT_EQ(c.validation.values.company_name, "臺灣範例環保股份有限公司");
  EXPECT_EQ(c.validation.values.mail_address.zip, "220");
}

TEST(FormJson, BrokenFileReportsEveryProblemInFormOrder) {
  const CheckedForm c = check_form_file(CERTWIZ_FORM_TEST_DATA "/broken_form.json", default_rules());
  const std::vector<std::string> expected = {
      "colour FORM-JSON-UNKNOWN-KEY",
      "ubn FORM-UBN-CHECKSUM",
      "password FORM-PASSWORD-TOO-SHORT",
      "password FORM-PASSWORD-CLASSES",
      "company_name FORM-FIELD-EMPTY",
      "owner_id FORM-ID-CHECKSUM",
      "reg_address.district FORM-ADDRESS-DISTRICT",
      "mail_address.zip FORM-ADDRESS-ZIP",
      "phone1 FORM-PHONE-INVALID",
      "phone1_ext FORM-PHONE-EXT",
      "fax FORM-FIELD-MISSING",  // required, as the seed marks it (*承辦人傳真號碼)
      "email FORM-EMAIL-DOMAIN",
      "citizen_cert_login FORM-CERT-LOGIN-CHOICE",
  };
  std::vector<std::string> got = error_keys(c.errors);
  // The unknown key sorts after the known fields; compare as sets plus the order of known ones.
  std::vector<std::string> a = got, b = expected;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b) << ::testing::PrintToString(got);
  EXPECT_EQ(got.front(), "ubn FORM-UBN-CHECKSUM");
}

TEST(FormJson, UnknownKeysAtBothLevels) {
  Json j = sample_json();
  j["Ubn"] = "x";
  j["reg_address"]["floor"] = "3";
  const CheckedForm c = check_form_json(j.dump(), default_rules());
  EXPECT_EQ(error_keys(c.errors),
            (std::vector<std::string>{"reg_address.floor FORM-JSON-UNKNOWN-KEY", "Ubn FORM-JSON-UNKNOWN-KEY"}));
}

TEST(FormJson, WrongTypesNamedAndNotReportedTwice) {
  Json j = sample_json();
  j["ubn"] = 22099131;
  j["reg_address"] = "臺北市中正區重慶南路一段122號";
  j["phone2"] = nullptr;       // optional: null is fine
  j["email"] = nullptr;        // required: null is not
  j["password"] = 12345678;
  const CheckedForm c = check_form_json(j.dump(), default_rules());
  EXPECT_EQ(error_keys(c.errors), (std::vector<std::string>{"ubn FORM-JSON-WRONG-TYPE", "password FORM-JSON-WRONG-TYPE",
                                                            "reg_address FORM-JSON-WRONG-TYPE", "email FORM-JSON-WRONG-TYPE"}));
  EXPECT_NE(c.errors[0].message.en.find("\"22099131\""), std::string::npos) << c.errors[0].message.en;
  EXPECT_EQ(c.errors[1].message.en.find("12345678"), std::string::npos) << "password value must not be quoted";
}

TEST(FormJson, MissingFieldsListed) {
  const FormFile f = read_form_json(R"({"ubn":"22099131","reg_address":{"county":"臺北市"}})");
  EXPECT_TRUE(has(f.errors, "password", "FORM-FIELD-MISSING"));
  EXPECT_TRUE(has(f.errors, "mail_address", "FORM-FIELD-MISSING"));
  EXPECT_TRUE(has(f.errors, "reg_address.district", "FORM-FIELD-MISSING"));
  EXPECT_TRUE(has(f.errors, "reg_address.street", "FORM-FIELD-MISSING"));
  EXPECT_FALSE(has(f.errors, "reg_address.zip", "FORM-FIELD-MISSING"));
  EXPECT_FALSE(has(f.errors, "control_no", "FORM-FIELD-MISSING"));
  EXPECT_TRUE(has(f.errors, "fax", "FORM-FIELD-MISSING"));  // required, as the seed marks it
  EXPECT_EQ(f.errors.size(), 13u) << ::testing::PrintToString(error_keys(f.errors));
  // The rules would call those same fields empty: not said twice.
  const CheckedForm c = check_form_json(R"({"ubn":"22099131","reg_address":{"county":"臺北市"}})", default_rules());
  EXPECT_FALSE(has(c.errors, "password", "FORM-FIELD-EMPTY"));
  EXPECT_FALSE(has(c.errors, "mail_address.county", "FORM-FIELD-EMPTY"));
}

TEST(FormJson, SyntaxErrorsLocatedWithoutQuotingTheText) {
  const std::string text = "{\n  \"ubn\": \"22099131\",\n  \"password\": \"Secr3t!\\q\"\n}";
  const FormFile f = read_form_json(text);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].code, "FORM-JSON-SYNTAX");
  EXPECT_EQ(f.errors[0].field, "");
  EXPECT_NE(f.errors[0].message.en.find("line 3"), std::string::npos) << f.errors[0].message.en;
  EXPECT_EQ(f.errors[0].message.en.find("Secr3t"), std::string::npos) << f.errors[0].message.en;
  EXPECT_EQ(read_form_json("").errors[0].code, "FORM-JSON-SYNTAX");
  EXPECT_EQ(read_form_json("{\"ubn\": \"\xff\"}").errors[0].code, "FORM-JSON-SYNTAX");
  // Found by fuzzing: a number out of a double's range made the parser throw out_of_range.
  EXPECT_EQ(read_form_json("{\"control_no\": 2E5601234}").errors[0].code, "FORM-JSON-SYNTAX");
}

TEST(FormJson, TopLevelMustBeAnObject) {
  for (const char* t : {"[]", "\"ubn\"", "42", "null"}) {
    const FormFile f = read_form_json(t);
    ASSERT_EQ(f.errors.size(), 1u) << t;
    EXPECT_EQ(f.errors[0].code, "FORM-JSON-NOT-OBJECT") << t;
    EXPECT_FALSE(f.parsed);
  }
}

TEST(FormJson, TenMegabyteStringsGetAFieldKeyedError) {
  Json j = sample_json();
  j["company_name"] = std::string(10 * 1024 * 1024, 'A');
  j["password"] = std::string(5 * 1024 * 1024, 'p');
  const CheckedForm c = check_form_json(j.dump(), default_rules());
  EXPECT_EQ(error_keys(c.errors),
            (std::vector<std::string>{"password FORM-TEXT-TOO-LONG", "company_name FORM-TEXT-TOO-LONG"}));
  for (const auto& e : c.errors) EXPECT_LT(e.message.en.size(), 200u);
}

TEST(FormJson, OversizedFileRefusedBeforeParsing) {
  const std::string big(kMaxFormFileBytes + 1, ' ');
  const FormFile f = read_form_json(big);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].code, "FORM-JSON-TOO-LARGE");
}

TEST(FormJson, ControlCharactersAndMixedScriptsKeyedByField) {
  Json j = sample_json();
  j["owner_name"] = "王\u0007大明";
  j["contact_name"] = "\u0410lice";  // Cyrillic А + Latin
  j["mail_address"]["street"] = "中山路\u202e一段";
  const CheckedForm c = check_form_json(j.dump(), default_rules());
  EXPECT_EQ(error_keys(c.errors),
            (std::vector<std::string>{"owner_name FORM-TEXT-CONTROL", "mail_address.street FORM-TEXT-CONTROL",
                                      "contact_name FORM-TEXT-SCRIPT"}));
}

TEST(FormJson, UnreadableFile) {
  const FormFile f = read_form_file("/nonexistent/form.json");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].code, "FORM-FILE-UNREADABLE");
}

}  // namespace
}  // namespace certwiz::form

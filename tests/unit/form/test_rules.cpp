// The field rules: UBN, national ID / resident certificate numbers, text
// normalisation, e-mail, extension, control number and certificate-login choices.
#include <gtest/gtest.h>

#include "checks/form/rules.h"

namespace certwiz::form {
namespace {

using namespace std::chrono;
constexpr year_month_day kToday = year{2026} / November / 26;

std::string code_of(const std::optional<Problem>& p) { return p ? p->code : "ok"; }

TEST(Ubn, ValidUnderTheOldRuleStaysValid) {
  for (const char* u : {"22099131", "04595257", "10458575"}) {
    EXPECT_EQ(code_of(check_ubn(u)), "ok") << u;
    const auto c = ubn_checksum(u);
    EXPECT_TRUE(c.valid_before_2023) << u;
    EXPECT_TRUE(c.valid_since_2023) << u;
  }
}

TEST(Ubn, ValidOnlyUnderTheRuleSince2023) {
  // Weighted digit sum 25 and 5: divisible by 5, not by 10.
  for (const char* u : {"10000004", "10458570"}) {
    EXPECT_EQ(code_of(check_ubn(u)), "ok") << u;
    const auto c = ubn_checksum(u);
    EXPECT_FALSE(c.valid_before_2023) << u;
    EXPECT_TRUE(c.valid_since_2023) << u;
  }
}

TEST(Ubn, SeventhDigitSevenMayAddOne) {
  // 7th digit 7: sum 14 → 15 (new rule only), 19 → 20 and 39 → 40 (old rule too), 29 → 30.
  EXPECT_EQ(code_of(check_ubn("10000670")), "ok");
  EXPECT_FALSE(ubn_checksum("10000670").valid_before_2023);
  for (const char* u : {"10000470", "12345675", "10458574"}) {
    EXPECT_EQ(code_of(check_ubn(u)), "ok") << u;
    EXPECT_TRUE(ubn_checksum(u).seventh_is_7) << u;
    EXPECT_TRUE(ubn_checksum(u).valid_before_2023) << u;
    EXPECT_NE(ubn_checksum(u).sum % 5, 0) << u;  // only the exception makes it valid
  }
}

TEST(Ubn, ChecksumFailuresSayTheSum) {
  for (const char* u : {"12345678", "87654321", "11111111", "10101017", "22099132"}) {
    const auto p = check_ubn(u);
    ASSERT_TRUE(p) << u;
    EXPECT_EQ(p->code, "FORM-UBN-CHECKSUM") << u;
  }
  const auto p = check_ubn("12345678");
  EXPECT_NE(p->message.en.find("42"), std::string::npos) << p->message.en;
  EXPECT_NE(p->message.zh_TW.find("5"), std::string::npos);
}

TEST(Ubn, ShapeErrorsNameTheWrongCharacter) {
  EXPECT_EQ(code_of(check_ubn("1234567")), "FORM-UBN-FORMAT");
  EXPECT_EQ(code_of(check_ubn("123456789")), "FORM-UBN-FORMAT");
  const auto p = check_ubn("2209x131");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, "FORM-UBN-FORMAT");
  EXPECT_NE(p->message.en.find("Character 5 'x'"), std::string::npos) << p->message.en;
}

TEST(PersonId, NationalIdsValid) {
  PersonIdKind kind{};
  for (const char* id : {"A123456789", "F234567898", "I123456781", "O222222220", "W111111113"}) {
    EXPECT_EQ(code_of(check_person_id(id, kToday, &kind)), "ok") << id;
    EXPECT_EQ(kind, PersonIdKind::national_id) << id;
  }
}

TEST(PersonId, NewResidentCertificateNumbersValid) {
  PersonIdKind kind{};
  for (const char* id : {"A800000014", "Z912345674"}) {
    EXPECT_EQ(code_of(check_person_id(id, kToday, &kind)), "ok") << id;
    EXPECT_EQ(kind, PersonIdKind::resident_new) << id;
  }
  EXPECT_EQ(code_of(check_person_id("A800000015", kToday)), "FORM-ID-CHECKSUM");
}

TEST(PersonId, OldResidentCertificateNumbersValidUntil2030) {
  PersonIdKind kind{};
  for (const char* id : {"AC01234567", "FA12345670"}) {
    EXPECT_EQ(code_of(check_person_id(id, kToday, &kind)), "ok") << id;
    EXPECT_EQ(kind, PersonIdKind::resident_old) << id;
  }
  EXPECT_EQ(code_of(check_person_id("AC01234567", year{2030} / December / 31)), "ok");
  EXPECT_EQ(code_of(check_person_id("AC01234567", year{2031} / January / 1)), "FORM-ID-OLD-RESIDENT-EXPIRED");
  EXPECT_EQ(code_of(check_person_id("AC01234568", kToday)), "FORM-ID-CHECKSUM");
}

TEST(PersonId, EachWrongPartHasItsOwnCodeAndMessage) {
  auto p = check_person_id("1123456789", kToday);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, "FORM-ID-LETTER");
  EXPECT_NE(p->message.en.find("first character"), std::string::npos);
  EXPECT_NE(p->message.zh_TW.find("第 1 碼"), std::string::npos);

  p = check_person_id("A323456789", kToday);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, "FORM-ID-GENDER");
  EXPECT_NE(p->message.en.find("second character '3'"), std::string::npos);

  p = check_person_id("A123456788", kToday);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, "FORM-ID-CHECKSUM");
  EXPECT_NE(p->message.en.find("check digit"), std::string::npos);

  p = check_person_id("A12345678", kToday);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, "FORM-ID-FORMAT");
  EXPECT_NE(p->message.en.find("9 characters"), std::string::npos);

  p = check_person_id("A1234567X9", kToday);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, "FORM-ID-FORMAT");
  EXPECT_NE(p->message.en.find("Character 9 'X'"), std::string::npos);
}

TEST(PersonId, LetterCodesFollowTheTable) {
  EXPECT_EQ(id_letter_code('A'), 10);
  EXPECT_EQ(id_letter_code('H'), 17);
  EXPECT_EQ(id_letter_code('I'), 34);
  EXPECT_EQ(id_letter_code('J'), 18);
  EXPECT_EQ(id_letter_code('O'), 35);
  EXPECT_EQ(id_letter_code('W'), 32);
  EXPECT_EQ(id_letter_code('X'), 30);
  EXPECT_EQ(id_letter_code('Y'), 31);
  EXPECT_EQ(id_letter_code('Z'), 33);
  EXPECT_EQ(id_letter_code('a'), -1);
}

TEST(Text, FullWidthFoldsToHalfWidthAndCjkStays) {
  EXPECT_EQ(normalise_text("２２０９９１３１", 20).value, "22099131");
  EXPECT_EQ(normalise_text("ＡＢＣ　股份有限公司", 40).value, "ABC 股份有限公司");
  EXPECT_EQ(normalise_text("　  王   大明\u3000 ", 40).value, "王 大明");
  EXPECT_EQ(normalise_code(" ａ１２３-４５６ ７８９ ", 20).value, "A123456789");
}

TEST(Text, ControlAndInvisibleCharactersRefused) {
  for (const char* s : {"王\t大明", "王\n大明", "abc\x7f", "a\u200bb", "abc\u202edcba", "\xc2\x85x"}) {
    const auto n = normalise_text(s, 40);
    ASSERT_FALSE(n.ok()) << s;
    EXPECT_EQ(n.problem->code, "FORM-TEXT-CONTROL") << s;
  }
  EXPECT_NE(normalise_text("王\t大明", 40).problem->message.en.find("Character 2"), std::string::npos);
}

TEST(Text, InvalidUtf8Refused) {
  for (const char* s : {"\xff", "ab\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    const auto n = normalise_text(s, 40);
    ASSERT_FALSE(n.ok()) << s;
    EXPECT_EQ(n.problem->code, "FORM-TEXT-ENCODING");
  }
}

TEST(Text, MixedScriptsRefusedWithTheCharacterNamed) {
  const auto n = normalise_text("\xd0\x90" "cme Co.", 40);  // Cyrillic А then Latin
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.problem->code, "FORM-TEXT-SCRIPT");
  EXPECT_NE(n.problem->message.en.find("U+0410"), std::string::npos);
  EXPECT_NE(n.problem->message.en.find("Cyrillic"), std::string::npos);
  EXPECT_NE(n.problem->message.en.find("look-alike"), std::string::npos);
  EXPECT_EQ(normalise_text("王大明\xce\xb1", 40).problem->code, "FORM-TEXT-SCRIPT");  // Greek alpha
  EXPECT_TRUE(normalise_text("阿里·巴巴 Alibaba（台灣）", 40).ok());
}

TEST(Text, TooLongCountsCharactersNotBytes) {
  EXPECT_TRUE(normalise_text("王王王王王王王王王王", 10).ok());
  const auto n = normalise_text("王王王王王王王王王王王", 10);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.problem->code, "FORM-TEXT-TOO-LONG");
  EXPECT_NE(n.problem->message.en.find("11 characters"), std::string::npos);
  const std::string huge(10 * 1024 * 1024, 'a');
  EXPECT_EQ(normalise_text(huge, 100).problem->code, "FORM-TEXT-TOO-LONG");
}

TEST(Email, WellFormedAddressesPass) {
  for (const char* e : {"service@example.com.tw", "a.b+c@mail.example.org", "x_y-z@sub-domain.gov.tw"})
    EXPECT_EQ(code_of(check_email(e)), "ok") << e;
}

TEST(Email, ShapeAndDomainProblemsAreTold) {
  EXPECT_EQ(code_of(check_email("a@@example.com")), "FORM-EMAIL-FORMAT");
  EXPECT_EQ(code_of(check_email("example.com")), "FORM-EMAIL-FORMAT");
  EXPECT_EQ(code_of(check_email("a b@example.com")), "FORM-EMAIL-FORMAT");
  EXPECT_EQ(code_of(check_email(".a@example.com")), "FORM-EMAIL-FORMAT");
  EXPECT_EQ(code_of(check_email("a@localhost")), "FORM-EMAIL-DOMAIN");
  EXPECT_EQ(code_of(check_email("a@example..com")), "FORM-EMAIL-DOMAIN");
  EXPECT_EQ(code_of(check_email("a@-example.com")), "FORM-EMAIL-DOMAIN");
  EXPECT_EQ(code_of(check_email("a@example.c0m")), "FORM-EMAIL-DOMAIN");
  EXPECT_EQ(code_of(check_email("a@範例.tw")), "FORM-EMAIL-DOMAIN");
  EXPECT_NE(check_email("a@localhost")->message.en.find("no dot"), std::string::npos);
}

TEST(Extension, DigitsOnly) {
  EXPECT_EQ(code_of(check_extension("123")), "ok");
  EXPECT_EQ(code_of(check_extension("12a")), "FORM-PHONE-EXT");
  EXPECT_EQ(code_of(check_extension("1234567")), "FORM-PHONE-EXT");
}

TEST(ControlNo, PatternFromTheProfile) {
  const std::regex pattern("^[A-Z][0-9A-Z][0-9]{6}$");
  EXPECT_EQ(code_of(check_control_no("E5601234", pattern, "p")), "ok");
  EXPECT_EQ(code_of(check_control_no("E56012345", pattern, "p")), "FORM-CONTROL-NO-FORMAT");
  EXPECT_EQ(code_of(check_control_no("15601234", pattern, "p")), "FORM-CONTROL-NO-FORMAT");
}

TEST(CertLogin, EnableOrDisable) {
  EXPECT_EQ(parse_cert_login_choice("enable"), true);
  EXPECT_EQ(parse_cert_login_choice("disable"), false);
  EXPECT_EQ(parse_cert_login_choice("啟用"), true);
  EXPECT_EQ(parse_cert_login_choice("停用"), false);
  EXPECT_EQ(parse_cert_login_choice("yes"), std::nullopt);
  EXPECT_EQ(parse_cert_login_choice(""), std::nullopt);
}

}  // namespace
}  // namespace certwiz::form

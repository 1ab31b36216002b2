// Phones through libphonenumber (region TW) and the password through the site's
// policy and libpwquality.
#include <gtest/gtest.h>

#include "checks/form/password.h"
#include "checks/form/phone.h"

namespace certwiz::form {
namespace {

TEST(Phone, TaiwaneseNumbersNormalised) {
  auto r = parse_tw_phone("02-2311-1234");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.number.national, "02 2311 1234");
  EXPECT_EQ(r.number.e164, "+886223111234");
  EXPECT_FALSE(r.number.mobile);

  r = parse_tw_phone("+886 2 2311 1234");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.number.national, "02 2311 1234");

  r = parse_tw_phone("0912345678");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.number.national, "0912 345 678");
  EXPECT_TRUE(r.number.mobile);

  r = parse_tw_phone("(07)123-4567");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.number.national, "07 123 4567");
}

TEST(Phone, ExtensionAfterTheNumberIsSplitOff) {
  auto r = parse_tw_phone("(02)23111234#55");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.number.national, "02 2311 1234");
  EXPECT_EQ(r.number.extension, "55");
  r = parse_tw_phone("02 2311 1234 ext 66");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.number.extension, "66");
}

TEST(Phone, InvalidNumbersRefusedWithAReason) {
  for (const char* s : {"12", "abc", "0800-FLOWERS", "02-123", "0912-34"}) {
    const auto r = parse_tw_phone(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.problem->code, "FORM-PHONE-INVALID") << s;
  }
  const auto us = parse_tw_phone("+1 650 253 0000");
  ASSERT_FALSE(us.ok());
  EXPECT_NE(us.problem->message.en.find("another country (US)"), std::string::npos) << us.problem->message.en;
}

std::vector<std::string> codes(const PasswordCheck& c) {
  std::vector<std::string> out;
  for (const auto& p : c.problems) out.push_back(p.code);
  return out;
}

TEST(Password, StrongPasswordPassesWithFeedback) {
  const auto c = check_password(Secret("Qz7#kLm2pX!w"), PasswordPolicy{});
  EXPECT_TRUE(c.problems.empty()) << (c.problems.empty() ? "" : c.problems[0].message.en);
  EXPECT_GT(c.feedback.score, 0);
  EXPECT_FALSE(c.feedback.summary.en.empty());
  EXPECT_NE(c.feedback.strength, PasswordStrength::weak);
}

TEST(Password, EveryPolicyFailureIsReportedAtOnce) {
  const auto c = check_password(Secret("abc"), PasswordPolicy{});
  const auto got = codes(c);
  EXPECT_NE(std::find(got.begin(), got.end(), "FORM-PASSWORD-TOO-SHORT"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "FORM-PASSWORD-CLASSES"), got.end());
  for (const auto& p : c.problems)
    if (p.code == "FORM-PASSWORD-CLASSES") {
      EXPECT_NE(p.message.en.find("a digit"), std::string::npos);
      EXPECT_NE(p.message.en.find("a special character"), std::string::npos);
      EXPECT_EQ(p.message.en.find("a letter"), std::string::npos);
    }
  EXPECT_EQ(c.feedback.strength, PasswordStrength::weak);
}

TEST(Password, PolicyComesFromTheProfile) {
  PasswordPolicy relaxed{.min_length = 8, .require_letter = true, .require_digit = true, .require_special = false};
  EXPECT_TRUE(check_password(Secret("Qz7kLm2pXw"), relaxed).problems.empty());
  EXPECT_EQ(codes(check_password(Secret("Qz7kLm2pXw"), PasswordPolicy{})), std::vector<std::string>{"FORM-PASSWORD-CLASSES"});
  PasswordPolicy longer{.min_length = 14};
  EXPECT_EQ(codes(check_password(Secret("Qz7#kLm2pX!w"), longer)), std::vector<std::string>{"FORM-PASSWORD-TOO-SHORT"});
}

TEST(Password, CharactersOutsideKeyboardAsciiRefused) {
  EXPECT_EQ(codes(check_password(Secret("Qz7# kLm2pX"), PasswordPolicy{}))[0], "FORM-PASSWORD-CHARSET");
  EXPECT_EQ(codes(check_password(Secret("Qz7#密碼kLm2pX"), PasswordPolicy{}))[0], "FORM-PASSWORD-CHARSET");
}

TEST(Password, DictionaryWordsRefusedWhenADictionaryExists) {
  ASSERT_FALSE(find_cracklib_dictionary().empty()) << "cracklib-runtime is a test dependency";
  const auto c = check_password(Secret("password1!"), PasswordPolicy{});
  EXPECT_EQ(codes(c), std::vector<std::string>{"FORM-PASSWORD-DICTIONARY"});
  EXPECT_TRUE(c.feedback.dictionary_checked);
}

TEST(Password, MissingDictionarySkipsThatCheckWithAWarning) {
  const auto c = check_password(Secret("password1!"), PasswordPolicy{}, {}, "/nonexistent/cracklib_dict");
  EXPECT_TRUE(c.problems.empty()) << c.problems[0].code;
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].code, "FORM-PASSWORD-DICT-MISSING");
  EXPECT_FALSE(c.feedback.dictionary_checked);
}

TEST(Password, ApplicantsOwnDataAndSequencesRefused) {
  auto c = check_password(Secret("x22099131Q!"), PasswordPolicy{}, {"22099131"});
  EXPECT_EQ(codes(c), std::vector<std::string>{"FORM-PASSWORD-WEAK"});
  c = check_password(Secret("Qabcdefg1!"), PasswordPolicy{});
  EXPECT_EQ(codes(c), std::vector<std::string>{"FORM-PASSWORD-WEAK"});
  EXPECT_FALSE(c.problems[0].message.zh_TW.empty());
}

TEST(Password, MessagesNeverContainThePassword) {
  for (const char* pw : {"abc", "password1!", "Qz7# kLm2pX", "x22099131Q!", "Qabcdefg1!"}) {
    const auto c = check_password(Secret(pw), PasswordPolicy{}, {"22099131"});
    for (const auto& p : c.problems) {
      EXPECT_EQ(p.message.en.find(pw), std::string::npos) << p.message.en;
      EXPECT_EQ(p.message.zh_TW.find(pw), std::string::npos) << p.message.zh_TW;
    }
  }
}

}  // namespace
}  // namespace certwiz::form

#include <gtest/gtest.h>

#include "checks/pkcs11/pin_guard.h"

namespace certwiz::pkcs11 {
namespace {

Json hicos_token(Json flags = Json::object()) {
  return Json{{"label", "HiCOS PKI Smart Card"}, {"model", "HiCOS"}, {"min_pin", 6}, {"max_pin", 8}, {"flags", flags}};
}

TEST(PinRule, HicosRuleNarrowedByToken) {
  PinRule r = PinGuard::rule_for(hicos_token());
  EXPECT_EQ(r.min, 6u);
  EXPECT_EQ(r.max, 8u);
  EXPECT_TRUE(r.letters_and_digits_only);
  // SoftHSM2 says 4..255; a HiCOS label still means 6..8.
  Json wide = hicos_token();
  wide["min_pin"] = 4;
  wide["max_pin"] = 255;
  r = PinGuard::rule_for(wide);
  EXPECT_EQ(r.min, 6u);
  EXPECT_EQ(r.max, 8u);
  // A token stricter than HiCOS wins.
  Json strict = hicos_token();
  strict["max_pin"] = 7;
  EXPECT_EQ(PinGuard::rule_for(strict).max, 7u);
  // Another token: only its own limits.
  Json other{{"label", "Other"}, {"min_pin", 4}, {"max_pin", 16}};
  r = PinGuard::rule_for(other);
  EXPECT_EQ(r.min, 4u);
  EXPECT_EQ(r.max, 16u);
  EXPECT_FALSE(r.letters_and_digits_only);
}

TEST(PinRule, FormChecks) {
  const PinRule r = kHicosPinRule;
  EXPECT_FALSE(PinGuard::check_form(Secret("135790"), r));
  EXPECT_FALSE(PinGuard::check_form(Secret("abc12345"), r));
  EXPECT_TRUE(PinGuard::check_form(Secret("12345"), r));
  EXPECT_TRUE(PinGuard::check_form(Secret("123456789"), r));
  EXPECT_TRUE(PinGuard::check_form(Secret(""), r));
  EXPECT_TRUE(PinGuard::check_form(Secret("1234 56"), r));
  EXPECT_TRUE(PinGuard::check_form(Secret("12345\xe4"), r));
  // The explanation never repeats the PIN.
  auto why = PinGuard::check_form(Secret("98765432109"), r);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->find("98765432109"), std::string::npos);
}

TEST(PinRule, TriesLeftFromFlags) {
  EXPECT_EQ(PinGuard::tries_left(hicos_token()), 3);
  EXPECT_EQ(PinGuard::tries_left(hicos_token({{"user_pin_count_low", true}})), 2);
  EXPECT_EQ(PinGuard::tries_left(hicos_token({{"user_pin_count_low", true}, {"user_pin_final_try", true}})), 1);
  EXPECT_EQ(PinGuard::tries_left(hicos_token({{"user_pin_locked", true}})), 0);
  EXPECT_FALSE(PinGuard::tries_left(Json{{"label", "Other"}, {"flags", {{"user_pin_count_low", true}}}}));
}

// The one rule the card signer, the local-component signer and the PIN dialog ask.
TEST(PinRule, RefusalOfALockedCardAndAnUnconfirmedFinalTry) {
  auto locked = PinGuard::refusal(true, false, true, "nothing sent");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->code, "P11-PIN-LOCKED");
  EXPECT_NE(locked->detail.find("nothing sent"), std::string::npos);
  auto final_try = PinGuard::refusal(false, true, false, "no C_Login made");
  ASSERT_TRUE(final_try);
  EXPECT_EQ(final_try->code, "P11-PIN-FINAL-TRY-REFUSED");
  EXPECT_NE(final_try->detail.find("no C_Login made"), std::string::npos);
  EXPECT_FALSE(PinGuard::refusal(false, true, true, "x"));
  EXPECT_FALSE(PinGuard::refusal(false, false, false, "x"));
}

}  // namespace
}  // namespace certwiz::pkcs11

#include <gtest/gtest.h>

#include "checks/pkcs11/inventory.h"
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

// The model's reading of a token is the guard's: the dialogs and signers ask for it.
TEST(PinRule, PinStateOfATokenIsTheGuardsReading) {
  Token t;
  t.label = "HiCOS PKI Smart Card";
  t.model = "HiCOS";
  PinStatus s = PinGuard::pin_state(t);
  EXPECT_FALSE(s.locked);
  EXPECT_FALSE(s.final_try);
  EXPECT_EQ(s.tries_left, 3);
  t.pin.count_low = true;
  EXPECT_EQ(PinGuard::pin_state(t).tries_left, 2);
  EXPECT_TRUE(PinGuard::pin_state(t).count_low);
  t.pin.final_try = true;
  s = PinGuard::pin_state(t);
  EXPECT_TRUE(s.final_try);
  EXPECT_EQ(s.tries_left, 1);
  t.pin.locked = true;
  s = PinGuard::pin_state(t);
  EXPECT_TRUE(s.locked);
  EXPECT_EQ(s.tries_left, 0);
  // Not a HiCOS card: COUNT_LOW says "fewer", not how many.
  Token other;
  other.label = "Other";
  other.pin.count_low = true;
  EXPECT_FALSE(PinGuard::pin_state(other).tries_left);
  // The same answer as from the token-info flags the guard reads before C_Login.
  const Json info = hicos_token({{"user_pin_count_low", true}});
  Token from_info;
  from_info.label = info["label"].get<std::string>();
  from_info.model = info["model"].get<std::string>();
  from_info.pin = token_pin_from_info(info);
  EXPECT_EQ(PinGuard::pin_state(from_info).tries_left, PinGuard::tries_left(info));
}

// The evidence of pkcs11.tokens is written from the model, in the shape readers expect.
TEST(PinRule, TokenJsonHasTheEvidenceShape) {
  TokenInventory inv;
  Slot slot;
  slot.slot_id = 7;
  slot.reader = "Reader A";
  slot.token_present = true;
  slot.token_initialized = true;
  inv.slots.push_back(slot);
  Token t;
  t.slot_id = 7;
  t.reader = "Reader A";
  t.label = "HiCOS PKI Smart Card";
  t.pin = token_pin_from_info(hicos_token({{"user_pin_final_try", true}}));
  t.certificates.push_back({"5349474e", "SIGN", "AAAA"});
  inv.tokens.push_back(t);
  const Json j = to_json(inv);
  EXPECT_EQ(j["slots"][0]["token_initialized"], true);
  EXPECT_FALSE(j["slots"][0].contains("error"));
  const Json& tj = j["tokens"][0];
  EXPECT_EQ(tj["slot_id"], 7);
  EXPECT_EQ(tj["pin"], (Json{{"min", 6}, {"max", 8}, {"count_low", false}, {"final_try", true}, {"locked", false}}));
  EXPECT_EQ(tj["certificates"][0]["der_base64"], "AAAA");
  EXPECT_FALSE(tj.contains("error"));
  EXPECT_EQ(inv.find("Reader A"), &inv.tokens[0]);
  EXPECT_EQ(inv.find(""), &inv.tokens[0]);
  EXPECT_EQ(inv.find("Reader B"), nullptr);
  auto chosen = choose_token(inv, "Reader B");
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().code, "P11-READER-NOT-FOUND");
  EXPECT_EQ(choose_token(inv, "")->slot_id, 7u);
}

}  // namespace
}  // namespace certwiz::pkcs11

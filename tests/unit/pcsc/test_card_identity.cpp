// Identification from the shipped Taiwan table, pcsc-tools' list and historical bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "checks/pcsc/card_identity.h"

namespace certwiz::pcsc {
namespace {

class Identify : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TaiwanAtrTable::load(CERTWIZ_TAIWAN_TABLE);
    ASSERT_TRUE(t.ok()) << t.error().detail;
    table_ = *t;
    list_ = load_smartcard_list(CERTWIZ_PCSC_FIXTURES "/smartcard_list_sample.txt");
  }
  CardIdentity id(const char* hex) {
    const Bytes atr = *parse_hex_bytes(hex);
    auto decoded = decode_atr(atr);
    return identify_card(atr, decoded ? &*decoded : nullptr, table_, &list_);
  }
  TaiwanAtrTable table_;
  SmartcardList list_;
};

TEST_F(Identify, TableHoldsTheFactsFileAtrsAndTheLabCard) {
  EXPECT_EQ(table_.cards.size(), 4u);
  EXPECT_EQ(table_.gen2_applet_aid, *parse_hex_bytes("A0000002830000062201696400010101"));
  for (const auto& c : table_.cards) EXPECT_TRUE(decode_atr(c.atr).ok()) << hex_spaced(c.atr);
}

TEST_F(Identify, EveryMoicaAtrIsACitizenCard) {
  for (const char* atr : {"3B 8B 80 01 00 31 C1 64 08 40 21 30 00 90 00 57",
                          "3B B8 13 00 81 31 FA 52 43 48 54 4D 4F 49 43 41 A5",
                          "3B D8 96 00 81 B1 FE 45 1F 07 43 48 54 47 50 4B 49 4A DD"}) {
    const CardIdentity c = id(atr);
    EXPECT_EQ(c.source, CardIdentity::Source::taiwan_table) << atr;
    EXPECT_EQ(c.family, "moica") << atr;
    EXPECT_TRUE(c.taiwan_certificate_card);
  }
  const CardIdentity gpki = id("3B D8 96 00 81 B1 FE 45 1F 07 43 48 54 47 50 4B 49 4A DD");
  EXPECT_EQ(gpki.generation, "gen2");
  EXPECT_FALSE(gpki.generation_verified);  // "likely", per the facts file
}

TEST_F(Identify, LabCard) {
  const CardIdentity c = id("3B 95 13 81 01 80 73 FF 01 00 0B");
  EXPECT_EQ(c.family, "lab");
  EXPECT_EQ(c.name.en, "CertWiz lab virtual card");
  EXPECT_EQ(c.to_json()["source"], "taiwan-table");
}

TEST_F(Identify, HealthInsuranceCardIsKnownButNotACertificateCard) {
  const CardIdentity c = id("3B EE 00 00 81 31 FE 45 80 31 80 66 40 90 93 06 0F 17 83 0F 90 00 F3");
  EXPECT_EQ(c.source, CardIdentity::Source::smartcard_list);
  EXPECT_FALSE(c.taiwan_certificate_card);
  EXPECT_EQ(c.name.en, "IC card for the National Health Insurance, Taiwan");
}

TEST_F(Identify, HistoricalBytesHintWhenNoListKnowsTheAtr) {
  // A made-up CHT-style ATR: T=0, historical bytes "CHTMOICA" without the list's TB3.
  const CardIdentity c = id("3B 08 43 48 54 4D 4F 49 43 41");
  EXPECT_EQ(c.source, CardIdentity::Source::historical_hint);
  EXPECT_EQ(c.family, "moica");
  const CardIdentity cht = id("3B 05 43 48 54 31 32");
  EXPECT_EQ(cht.family, "cht");
}

TEST_F(Identify, UnknownAtrIsUnknownNotAGuess) {
  const CardIdentity c = id("3B 02 14 50");
  EXPECT_EQ(c.source, CardIdentity::Source::none);
  EXPECT_FALSE(c.taiwan_certificate_card);
  EXPECT_TRUE(c.family.empty());
  EXPECT_TRUE(c.name.empty());
}

TEST(TaiwanTable, BadTablesAreErrors) {
  EXPECT_FALSE(TaiwanAtrTable::from_json(Json::parse("[]")).ok());
  EXPECT_FALSE(TaiwanAtrTable::from_json(Json::parse(R"({"schema_version": 2})")).ok());
  EXPECT_FALSE(TaiwanAtrTable::from_json(Json::parse(
                   R"({"schema_version":1,"cards":[{"atr":"3B 9","family":"x","name":{}}],"historical_hints":[],"list_keywords":[],"gen2_applet_aid":"A0"})"))
                   .ok());
  EXPECT_FALSE(TaiwanAtrTable::load("/nonexistent/taiwan.json").ok());
}

}  // namespace
}  // namespace certwiz::pcsc

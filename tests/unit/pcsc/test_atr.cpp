// ATR decoder: every facts-file ATR, the lab card and ATRs from pcsc-tools' list,
// with the decoded fields asserted one by one; malformed ATRs give ATR-MALFORMED.
#include <gtest/gtest.h>

#include "checks/pcsc/atr.h"

namespace certwiz::pcsc {
namespace {

AtrInfo decode_ok(const char* hex) {
  auto bytes = parse_hex_bytes(hex);
  EXPECT_TRUE(bytes.ok());
  auto a = decode_atr(*bytes);
  EXPECT_TRUE(a.ok()) << hex << ": " << (a.ok() ? "" : a.error().detail);
  return a.ok() ? *a : AtrInfo{};
}

std::string decode_error(const char* hex) {
  auto bytes = parse_hex_bytes(hex);
  EXPECT_TRUE(bytes.ok());
  auto a = decode_atr(*bytes);
  EXPECT_FALSE(a.ok()) << hex << " decoded";
  if (a.ok()) return {};
  EXPECT_EQ(a.error().code, "ATR-MALFORMED");
  return a.error().detail;
}

std::vector<std::string> names(const AtrInfo& a) {
  std::vector<std::string> out;
  for (const auto& b : a.interface_bytes) out.push_back(b.name);
  return out;
}

TEST(Atr, MoicaPseudoAtrWithStatusIndicator) {
  const AtrInfo a = decode_ok("3B 8B 80 01 00 31 C1 64 08 40 21 30 00 90 00 57");
  EXPECT_EQ(a.convention, Convention::direct);
  EXPECT_EQ(a.y1, 0x8);
  EXPECT_EQ(a.k, 11);
  EXPECT_EQ(names(a), (std::vector<std::string>{"TD1", "TD2"}));
  EXPECT_EQ(a.protocols, (std::vector<int>{0, 1}));
  EXPECT_FALSE(a.ta1_present);
  EXPECT_EQ(a.fi, 372);  // defaults when TA1 is absent
  EXPECT_EQ(a.di, 1);
  EXPECT_TRUE(a.tck_required);
  ASSERT_TRUE(a.tck);
  EXPECT_EQ(*a.tck, 0x57);
  EXPECT_EQ(a.historical.category, "status-at-end");
  ASSERT_EQ(a.historical.tlv.size(), 2u);
  EXPECT_EQ(a.historical.tlv[0].tag, 0x3);
  EXPECT_EQ(a.historical.tlv[0].tag_name, "card service data");
  EXPECT_EQ(a.historical.tlv[0].value, (Bytes{0xC1}));
  EXPECT_EQ(a.historical.tlv[1].tag, 0x6);
  EXPECT_EQ(a.historical.tlv[1].value, (Bytes{0x08, 0x40, 0x21, 0x30}));
  EXPECT_TRUE(a.historical.tlv_well_formed);
  EXPECT_EQ(a.historical.lifecycle_status, 0x00);
  EXPECT_EQ(a.historical.status_word, 0x9000);
  EXPECT_EQ(a.t1_error_detection, "LRC");
}

TEST(Atr, MoicaChtMoicaHistoricalBytes) {
  const AtrInfo a = decode_ok("3B B8 13 00 81 31 FA 52 43 48 54 4D 4F 49 43 41 A5");
  EXPECT_EQ(names(a), (std::vector<std::string>{"TA1", "TB1", "TD1", "TD2", "TA3", "TB3"}));
  EXPECT_EQ(a.fi, 372);
  EXPECT_EQ(a.di, 4);
  EXPECT_DOUBLE_EQ(*a.f_max_mhz, 5.0);
  EXPECT_EQ(a.interface_bytes[0].meaning, "Fi=372 (f max 5 MHz), Di=4");
  EXPECT_EQ(a.interface_bytes[1].meaning, "VPP (deprecated by ISO/IEC 7816-3:2006): no VPP");
  EXPECT_EQ(a.protocols, (std::vector<int>{1}));
  EXPECT_EQ(a.interface_bytes[4].protocol, 1);  // TA3 belongs to T=1 (from TD2)
  EXPECT_EQ(a.ifsc, 250);
  EXPECT_EQ(a.bwi, 5);
  EXPECT_EQ(a.cwi, 2);
  // The 0x52 'R' before the text is TB3, so the historical bytes are exactly CHTMOICA.
  EXPECT_EQ(a.historical.bytes.size(), 8u);
  EXPECT_EQ(a.historical.category, "proprietary");
  EXPECT_EQ(a.historical.text, "CHTMOICA");
  EXPECT_EQ(a.historical.printable, "CHTMOICA");
  EXPECT_EQ(*a.tck, 0xA5);
}

TEST(Atr, ChtGpkiWithGlobalT15Bytes) {
  const AtrInfo a = decode_ok("3B D8 96 00 81 B1 FE 45 1F 07 43 48 54 47 50 4B 49 4A DD");
  EXPECT_EQ(names(a), (std::vector<std::string>{"TA1", "TC1", "TD1", "TD2", "TA3", "TB3", "TD3", "TA4"}));
  EXPECT_EQ(a.fi, 512);
  EXPECT_EQ(a.di, 32);
  EXPECT_DOUBLE_EQ(*a.f_max_mhz, 5.0);
  EXPECT_EQ(a.extra_guard_time, 0);
  EXPECT_EQ(a.protocols, (std::vector<int>{1}));
  EXPECT_EQ(a.ifsc, 254);
  EXPECT_EQ(a.bwi, 4);
  EXPECT_EQ(a.cwi, 5);
  EXPECT_EQ(a.interface_bytes[7].protocol, 15);
  ASSERT_TRUE(a.clock_stop);
  EXPECT_EQ(*a.clock_stop, "not supported");
  EXPECT_EQ(a.classes, (std::vector<std::string>{"A (5 V)", "B (3 V)", "C (1.8 V)"}));
  EXPECT_EQ(a.historical.text, "CHTGPKIJ");
  EXPECT_EQ(*a.tck, 0xDD);
  EXPECT_TRUE(a.notes.empty());
}

TEST(Atr, LabVirtualCard) {
  const AtrInfo a = decode_ok("3B 95 13 81 01 80 73 FF 01 00 0B");
  EXPECT_EQ(names(a), (std::vector<std::string>{"TA1", "TD1", "TD2"}));
  EXPECT_EQ(a.fi, 372);
  EXPECT_EQ(a.di, 4);
  EXPECT_EQ(a.protocols, (std::vector<int>{1}));
  EXPECT_FALSE(a.ifsc);  // no TA3: the T=1 defaults apply
  EXPECT_EQ(a.historical.category, "compact-tlv");
  ASSERT_EQ(a.historical.tlv.size(), 1u);
  EXPECT_EQ(a.historical.tlv[0].tag_name, "card capabilities");
  EXPECT_EQ(a.historical.tlv[0].value, (Bytes{0xFF, 0x01, 0x00}));
  EXPECT_EQ(*a.tck, 0x0B);
  const Json j = a.to_json();
  EXPECT_EQ(j["t1_protocol"]["ifsc"], 32);
  EXPECT_EQ(j["t1_protocol"]["defaults_used"], true);
  EXPECT_EQ(j["protocols"], Json::array({"T=1"}));
}

TEST(Atr, TaiwanHealthInsuranceCardFromList) {
  const AtrInfo a = decode_ok("3B EE 00 00 81 31 FE 45 80 31 80 66 40 90 93 06 0F 17 83 0F 90 00 F3");
  EXPECT_EQ(names(a), (std::vector<std::string>{"TB1", "TC1", "TD1", "TD2", "TA3", "TB3"}));
  EXPECT_EQ(a.k, 14);
  EXPECT_EQ(a.historical.category, "compact-tlv");
  ASSERT_EQ(a.historical.tlv.size(), 3u);
  EXPECT_EQ(a.historical.tlv[1].tag_name, "pre-issuing data");
  EXPECT_EQ(a.historical.tlv[1].value, (Bytes{0x40, 0x90, 0x93, 0x06, 0x0F, 0x17}));
  EXPECT_EQ(a.historical.tlv[2].tag_name, "status indicator");
  EXPECT_EQ(a.historical.lifecycle_status, 0x0F);
  EXPECT_EQ(a.historical.status_word, 0x9000);
}

TEST(Atr, T0OnlyHasNoTck) {
  const AtrInfo a = decode_ok("3B 16 96 41 73 74 72 69 64");  // "Astrid" in the list
  EXPECT_EQ(a.protocols, (std::vector<int>{0}));
  EXPECT_FALSE(a.tck_required);
  EXPECT_FALSE(a.tck);
  EXPECT_EQ(a.fi, 512);
  EXPECT_EQ(a.di, 32);
  EXPECT_EQ(a.historical.text, "Astrid");
  EXPECT_EQ(a.wi, 10);
}

TEST(Atr, InverseConventionWithDeprecatedTb1) {
  const AtrInfo a = decode_ok("3F 65 25 00 2B 09 69 90 00");
  EXPECT_EQ(a.convention, Convention::inverse);
  EXPECT_EQ(names(a), (std::vector<std::string>{"TB1", "TC1"}));
  EXPECT_EQ(a.historical.bytes, (Bytes{0x2B, 0x09, 0x69, 0x90, 0x00}));
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_NE(a.notes[0].find("TB1"), std::string::npos);
  EXPECT_EQ(a.to_json()["ts"]["convention"], "inverse");
}

TEST(Atr, SpecificModeAndWaitingInteger) {
  // TA2 = 0x91: specific mode T=1, cannot change, implicit parameters; TC2 = WI 20.
  // T0=0x80 (TD1), TD1=0xF0 → TA2 TB2 TC2 TD2, T=0; TD2=0x01 → T=1.
  std::vector<std::uint8_t> atr = {0x3B, 0x80, 0xF0, 0x91, 0x00, 0x14, 0x01};
  std::uint8_t x = 0;
  for (size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
  atr.push_back(x);
  auto a = decode_atr(atr);
  ASSERT_TRUE(a.ok()) << a.error().detail;
  EXPECT_EQ(a->specific_mode_protocol, 1);
  EXPECT_FALSE(a->specific_mode_can_change);
  EXPECT_EQ(a->wi, 20);
  EXPECT_EQ(a->interface_bytes[3].name, "TC2");
  EXPECT_EQ(a->interface_bytes[3].protocol, 0);  // TC2 is specific to T=0
  EXPECT_EQ(a->protocols, (std::vector<int>{0, 1}));
}

TEST(AtrMalformed, EachDefectHasItsOwnDetail) {
  EXPECT_EQ(decode_atr({}).error().detail.rfind("empty", 0), 0u);
  EXPECT_EQ(decode_error("3B").rfind("too short", 0), 0u);
  EXPECT_EQ(decode_error("3C 00").rfind("bad TS", 0), 0u);
  EXPECT_EQ(decode_error("3B F0 11").rfind("truncated interface bytes", 0), 0u);  // TA1 only of TA..TD1
  EXPECT_EQ(decode_error("3B 95 13 81").rfind("truncated interface bytes", 0), 0u);
  EXPECT_EQ(decode_error("3B 05 41 42").rfind("truncated historical bytes", 0), 0u);
  EXPECT_EQ(decode_error("3B 95 13 81 01 80 73 FF 01 00").rfind("missing TCK", 0), 0u);
  EXPECT_EQ(decode_error("3B 95 13 81 01 80 73 FF 01 00 0C").rfind("bad TCK", 0), 0u);
  EXPECT_EQ(decode_error("3B 02 14 50 11").rfind("trailing bytes", 0), 0u);  // T=0 only: no TCK
  EXPECT_EQ(decode_error("3B 95 13 81 01 80 73 FF 01 00 0B 00").rfind("trailing bytes", 0), 0u);
  std::vector<std::uint8_t> long_atr(34, 0x00);
  long_atr[0] = 0x3B;
  EXPECT_EQ(decode_atr(long_atr).error().detail.rfind("too long", 0), 0u);
}

TEST(AtrMalformed, BadTckNamesTheExpectedValue) {
  const std::string d = decode_error("3B B8 13 00 81 31 FA 52 43 48 54 4D 4F 49 43 41 A4");
  EXPECT_NE(d.find("0xA4"), std::string::npos) << d;
  EXPECT_NE(d.find("0xA5"), std::string::npos) << d;
}

TEST(AtrHex, ParsesTheUsualSpellings) {
  EXPECT_EQ(*parse_hex_bytes("3b9513"), (Bytes{0x3B, 0x95, 0x13}));
  EXPECT_EQ(*parse_hex_bytes("3B:95:13"), (Bytes{0x3B, 0x95, 0x13}));
  EXPECT_FALSE(parse_hex_bytes("3B 9").ok());
  EXPECT_FALSE(parse_hex_bytes("3B 9 5").ok());
  EXPECT_FALSE(parse_hex_bytes("3B ZZ").ok());
  EXPECT_EQ(hex_spaced(Bytes{0x3B, 0x0A}), "3B 0A");
}

}  // namespace
}  // namespace certwiz::pcsc

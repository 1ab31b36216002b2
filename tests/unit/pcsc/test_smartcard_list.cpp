// smartcard_list.txt parser and ATR pattern matcher, on a fixture in pcsc-tools' format.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "checks/pcsc/atr.h"
#include "checks/pcsc/smartcard_list.h"

namespace certwiz::pcsc {
namespace {

std::string fixture() {
  std::ifstream in(CERTWIZ_PCSC_FIXTURES "/smartcard_list_sample.txt", std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> descriptions_for(const SmartcardList& l, const char* atr_hex) {
  std::vector<std::string> out;
  for (const auto* e : l.match(*parse_hex_bytes(atr_hex)))
    for (const auto& d : e->descriptions) out.push_back(d);
  return out;
}

TEST(SmartcardList, ParsesEntriesAndReportsGarbage) {
  const SmartcardList l = parse_smartcard_list(fixture());
  ASSERT_EQ(l.entries.size(), 6u);
  EXPECT_EQ(l.entries[0].line, 7u);
  EXPECT_EQ(l.entries[0].descriptions,
            (std::vector<std::string>{"MOICA Citizen Digital Certificate of Taiwan R.O.C. (PKI)",
                                      "https://moica.nat.gov.tw/en/index.html"}));
  // Alternation, a stray description, an ATR without description, an unclosed class.
  ASSERT_EQ(l.problems.size(), 4u);
  EXPECT_EQ(l.problems[0], "line 5: description without an ATR pattern");
  EXPECT_NE(l.problems[1].find("line 23"), std::string::npos) << l.problems[1];
  EXPECT_NE(l.problems[1].find("unsupported character '('"), std::string::npos);
  EXPECT_NE(l.problems[2].find("without a description"), std::string::npos);
  EXPECT_NE(l.problems[3].find("unclosed '['"), std::string::npos);
}

TEST(SmartcardList, MatchesExactWildcardClassAndStarPatterns) {
  const SmartcardList l = parse_smartcard_list(fixture());
  EXPECT_EQ(descriptions_for(l, "3B 8B 80 01 00 31 C1 64 08 40 21 30 00 90 00 57").front(),
            "MOICA Citizen Digital Certificate of Taiwan R.O.C. (PKI)");
  EXPECT_TRUE(descriptions_for(l, "3B 8B 80 01 00 31 C1 64 08 40 22 30 00 90 00 54").empty());
  EXPECT_EQ(descriptions_for(l, "3B 6F 00 00 80 5A AA 03 00 00 00 00 00 00 00 00 82 90 00"),
            std::vector<std::string>{"Card with a range class"});
  EXPECT_TRUE(descriptions_for(l, "3B 6F 00 00 80 5A AA 06 00 00 00 00 00 00 00 00 82 90 00").empty());
  EXPECT_EQ(descriptions_for(l, "3B 39 19 00 53 4F 4D 41 44 53 33 30 33").size(), 1u);
  EXPECT_TRUE(descriptions_for(l, "3B 39 19 00 53 4F 4D 41 44 53 33 30 32").empty());
  EXPECT_EQ(descriptions_for(l, "3B EF 00 FF 81 31 42 45 01 02 03 38").size(), 1u);
  EXPECT_EQ(descriptions_for(l, "3B EF 00 FF 81 31 42 45 38").size(), 0u);  // ".*" then " 38" needs the space
  EXPECT_EQ(descriptions_for(l, "3B EF 00 FF 81 31 42 45 38 38").size(), 1u);
  EXPECT_EQ(descriptions_for(l, "3B 16 96 41 73 74 72 69 64"),
            (std::vector<std::string>{"Lower-case pattern", "Second line of the lower-case entry"}));
}

TEST(SmartcardList, KeepingOnlyTheCardsInTheReadersAnswersTheSame) {
  // A diagnosis keeps only the entries for the ATRs in the readers: for those ATRs the
  // answer must be the one of the whole list, and the problems must be the same.
  const SmartcardList whole = parse_smartcard_list(fixture());
  const char* in_readers[] = {"3B 8B 80 01 00 31 C1 64 08 40 21 30 00 90 00 57", "3B EF 00 FF 81 31 42 45 38 38"};
  std::vector<std::vector<std::uint8_t>> atrs;
  for (const char* a : in_readers) atrs.push_back(*parse_hex_bytes(a));
  const SmartcardList kept = parse_smartcard_list(fixture(), atrs);
  EXPECT_EQ(kept.problems, whole.problems);
  size_t matching = 0;
  for (const auto& e : whole.entries) matching += e.pattern.matches(atrs[0]) || e.pattern.matches(atrs[1]);
  EXPECT_GE(matching, 2u);
  EXPECT_EQ(kept.entries.size(), matching);
  EXPECT_LT(kept.entries.size(), whole.entries.size());
  for (const char* a : in_readers) {
    EXPECT_EQ(descriptions_for(kept, a), descriptions_for(whole, a)) << a;
    EXPECT_FALSE(descriptions_for(kept, a).empty()) << a;
  }
  // An ATR that matches nothing keeps nothing, and still reports the same problems.
  const std::vector<std::vector<std::uint8_t>> unknown{*parse_hex_bytes("3B 00")};
  const SmartcardList none = parse_smartcard_list(fixture(), unknown);
  EXPECT_TRUE(none.entries.empty());
  EXPECT_EQ(none.problems, whole.problems);
}

TEST(SmartcardList, CrlfGivesTheSameResult) {
  std::string crlf;
  for (char c : fixture()) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const SmartcardList a = parse_smartcard_list(fixture()), b = parse_smartcard_list(crlf);
  ASSERT_EQ(a.entries.size(), b.entries.size());
  for (size_t i = 0; i < a.entries.size(); ++i) {
    EXPECT_EQ(a.entries[i].descriptions, b.entries[i].descriptions);
    EXPECT_EQ(a.entries[i].pattern.text(), b.entries[i].pattern.text());
  }
  EXPECT_EQ(a.problems, b.problems);
}

TEST(SmartcardList, AnchoredMatchLikePcscTools) {
  auto p = AtrPattern::compile("3B 02 14 50");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->matches(std::string_view("3B 02 14 50")));
  EXPECT_FALSE(p->matches(std::string_view("3B 02 14 50 11")));  // no prefix matches
  EXPECT_FALSE(p->matches(std::string_view("3B 02 14")));
}

TEST(SmartcardList, BlankLineInsideDescriptionsKeepsTheEntry) {
  const SmartcardList l = parse_smartcard_list("3B 02 14 50\n\tFirst\n\n\tMore after a blank line\n\n3B 02 14 51\n\tOther\n");
  ASSERT_EQ(l.entries.size(), 2u);
  EXPECT_EQ(l.entries[0].descriptions, (std::vector<std::string>{"First", "More after a blank line"}));
  EXPECT_TRUE(l.problems.empty());
}

TEST(SmartcardList, StarDoesNotBlowUp) {
  // ".*" repeated: an NFA walk stays linear where a backtracking regex would not.
  std::string pat;
  for (int i = 0; i < 60; ++i) pat += ".*";
  pat += "F";
  auto p = AtrPattern::compile(pat);
  ASSERT_TRUE(p.ok()) << p.error().detail;
  EXPECT_FALSE(p->matches(std::string(98, 'A')));
}

TEST(SmartcardList, GarbageNeverThrows) {
  const std::string junk[] = {std::string("\0\0\0", 3), "\t\t\n\n", "[[[[", "3B ]", "*", "3B **", "\xff\xfe", "3B [9-0]", "3B [^1]"};
  for (const auto& j : junk) {
    const SmartcardList l = parse_smartcard_list(j);
    EXPECT_TRUE(l.entries.empty()) << j;
  }
}

TEST(SmartcardList, SystemListParsesWhenInstalled) {
  // The list shipped by pcsc-tools (installed on the build machines) has no line the
  // parser rejects and knows the first MOICA ATR.
  const SmartcardList l = load_smartcard_list("/usr/share/pcsc/smartcard_list.txt");
  ASSERT_GT(l.entries.size(), 3000u) << (l.problems.empty() ? "" : l.problems.front());
  EXPECT_TRUE(l.problems.empty()) << l.problems.front();
  EXPECT_FALSE(descriptions_for(l, "3B 8B 80 01 00 31 C1 64 08 40 21 30 00 90 00 57").empty());
}

}  // namespace
}  // namespace certwiz::pcsc

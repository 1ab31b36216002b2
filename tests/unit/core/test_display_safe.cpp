// display_safe (checks/core/display_safe.h): what a server, a card or a certificate sends cannot
// drive the terminal, retitle a window or reorder text once it went through it, and the
// engine applies it to every result it collects.
#include <gtest/gtest.h>

#include "checks/core/display_safe.h"
#include "checks/core/runner.h"

using namespace certwiz;

namespace {
// True when `s` has no byte a terminal acts on and no bidi control.
bool inert(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  for (const char* bad : {"\xc2\x80", "\xc2\x9b", "\xc2\x9d", "\xc2\x9c", "\xe2\x80\xae", "\xe2\x80\xaa", "\xe2\x81\xa6", "\xe2\x81\xa9"})
    if (s.find(bad) != std::string::npos) return false;
  return true;
}
}  // namespace

TEST(DisplaySafe, KeepsOrdinaryTextIncludingChinese) {
  const std::string s = "範例環保股份有限公司 (83124560) C=TW, O=行政院";
  EXPECT_EQ(display_safe(s), s);
  EXPECT_TRUE(is_display_safe(s));
}

TEST(DisplaySafe, DropsWholeCsiSequencesNotJustEsc) {
  EXPECT_EQ(display_safe("a\x1b[31mred\x1b[0m b"), "ared b");
  EXPECT_EQ(display_safe("\x1b[2J\x1b[1;1Hcleared"), "cleared");
  EXPECT_EQ(display_safe("x\x1b[?1049hy"), "xy");
}

TEST(DisplaySafe, DropsOscWindowTitleAndHyperlinks) {
  EXPECT_EQ(display_safe("\x1b]0;pwned\x07title"), "title");
  EXPECT_EQ(display_safe("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"), "click");
  // Unterminated: a terminal would swallow the rest, so the rest goes.
  EXPECT_EQ(display_safe("ok\x1b]2;never ends"), "ok");
}

TEST(DisplaySafe, DropsDcsAndSingleCharacterEscapes) {
  EXPECT_EQ(display_safe("\x1bPq#0;2;0;0;0\x1b\\after"), "after");
  EXPECT_EQ(display_safe("\x1b(Bx\x1b" "7y\x1b" "8"), "xy");
  EXPECT_EQ(display_safe("end\x1b"), "end");
}

TEST(DisplaySafe, DropsC1ControlsAnd8BitSequences) {
  EXPECT_EQ(display_safe("a\xc2\x9b" "31mb"), "ab");              // U+009B CSI
  EXPECT_EQ(display_safe("a\xc2\x9d" "0;t\xc2\x9c" "b"), "ab");   // U+009D OSC ... U+009C ST
  EXPECT_EQ(display_safe("a\xc2\x85" "b"), "ab");                 // NEL
  // A raw 0x9B byte is not UTF-8; some terminals take it for CSI.
  EXPECT_EQ(display_safe("a\x9b" "31mb"), "a\xef\xbf\xbd" "31mb");
}

TEST(DisplaySafe, DropsBidiOverridesAndIsolates) {
  // "invoice\u202Efdp.exe" shows as "invoiceexe.pdf" without this.
  EXPECT_EQ(display_safe("invoice\xe2\x80\xae" "fdp.exe"), "invoicefdp.exe");
  EXPECT_EQ(display_safe("\xe2\x80\xaa" "a\xe2\x80\xac\xe2\x81\xa6" "b\xe2\x81\xa9"), "ab");
}

TEST(DisplaySafe, LineBreaksKeptOnlyWhenAskedCarriageReturnNever) {
  EXPECT_EQ(display_safe("a\nb\r\nc\td"), "a b c d");
  EXPECT_EQ(display_safe("a\nb\r\nc\td", LineBreaks::keep), "a\nb\nc d");
  // A bare CR would let a server overwrite what was printed before it on the line.
  EXPECT_EQ(display_safe("OK\rFAIL"), "OKFAIL");
  EXPECT_EQ(display_safe(std::string("a\0b\x07\x08\x7f" "c", 7)), "abc");
}

TEST(DisplaySafe, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(display_safe("\xff\xfe"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(display_safe("\xc0\x9b"), "\xef\xbf\xbd\xef\xbf\xbd");      // overlong
  EXPECT_EQ(display_safe("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(display_safe("\xe4\xb8"), "\xef\xbf\xbd\xef\xbf\xbd");      // truncated
}

TEST(DisplaySafe, EngineMakesEveryResultStringSafeEvidenceIncluded) {
  Check c;
  c.id = "site.echo";
  c.title = {"回聲", "echo"};
  c.run = [](const CheckContext&) {
    Json ev{{"company\x1b[31m", "A\x1b]0;t\x07" "B"},
            {"certs", Json::array({Json{{"subject", "CN=\xe2\x80\xae" "x\nO=y"}}})},
            {"n", 3}};
    auto r = CheckResult::failure("ENGINE-CANCELLED", {"公司\x1b[2J", "company\x1b[2J\n"}, ev, "detail\x1b[1m\nline 2");
    return r;
  };
  auto results = run_checks({c}, {});
  ASSERT_EQ(results.size(), 1u);
  const CheckResult& r = results[0];
  EXPECT_EQ(r.summary.en, "company ");
  EXPECT_EQ(r.summary.zh_TW, "公司");
  EXPECT_EQ(r.detail, "detail\nline 2");
  EXPECT_EQ(r.evidence["company"], "AB");
  EXPECT_EQ(r.evidence["certs"][0]["subject"], "CN=x\nO=y");
  EXPECT_EQ(r.evidence["n"], 3);
  EXPECT_TRUE(inert(to_json(r).dump())) << to_json(r).dump();
  EXPECT_EQ(to_json(r).dump().find("\\u001b"), std::string::npos);
}

TEST(DisplaySafe, OutputIsAlwaysInertAndStable) {
  // Every byte pair and a few triples after ESC and C1 introducers.
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      const std::string s{static_cast<char>(a), static_cast<char>(b), 'z'};
      const std::string once = display_safe(s, LineBreaks::keep);
      ASSERT_TRUE(inert(once)) << a << " " << b;
      ASSERT_EQ(display_safe(once, LineBreaks::keep), once) << a << " " << b;
    }
}

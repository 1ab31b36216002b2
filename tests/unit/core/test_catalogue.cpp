#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "checks/core/catalogue.h"

using namespace certwiz;

TEST(Catalogue, EveryCodeIsUniqueWellFormedAndSaysCauseAndRemedyInBothLanguages) {
  std::set<std::string_view> seen;
  const std::regex shape("[A-Z0-9]+(-[A-Z0-9]+)+");
  ASSERT_GE(failure_codes().size(), 3u);
  for (const auto& c : failure_codes()) {
    SCOPED_TRACE(std::string(c.code));
    EXPECT_TRUE(seen.insert(c.code).second) << "duplicate code";
    EXPECT_TRUE(std::regex_match(std::string(c.code), shape));
    EXPECT_FALSE(c.cause_zh.empty());
    EXPECT_FALSE(c.cause_en.empty());
    EXPECT_FALSE(c.remedy_zh.empty());
    EXPECT_FALSE(c.remedy_en.empty());
    EXPECT_NE(c.cause_zh, c.cause_en) << "zh_TW text must be a translation, not a copy";
  }
}

TEST(Catalogue, LookupAndMarkdown) {
  ASSERT_NE(find_failure_code("ENGINE-TIMEOUT"), nullptr);
  EXPECT_EQ(find_failure_code("NO-SUCH-CODE"), nullptr);
  const auto md = failure_codes_markdown();
  for (const auto& c : failure_codes()) EXPECT_NE(md.find(std::string(c.code)), std::string::npos);
}

// The core knows no module above it: a program that links only the core (and assets)
// sees the core's own codes and nothing else.
TEST(Catalogue, AProgramLinkingOnlyTheCoreSeesOnlyTheCoreCodes) {
  for (const auto& c : failure_codes()) EXPECT_EQ(c.module, "core") << c.code;
  EXPECT_NE(find_failure_code("SITE-PROFILE-MISSING"), nullptr);
  EXPECT_EQ(find_failure_code("PCSC-NO-SERVICE"), nullptr);
}

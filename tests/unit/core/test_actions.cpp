#include <gtest/gtest.h>

#include <string>

#include "checks/core/actions.h"
#include "checks/core/catalogue.h"
#include "checks/core/result.h"

using namespace certwiz;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST(Actions, EveryPlaceholderInTheCatalogueNamesAnAction) {
  for (const auto& c : failure_codes()) {
    SCOPED_TRACE(std::string(c.code));
    EXPECT_EQ(unknown_actions(c.remedy_zh), "");
    EXPECT_EQ(unknown_actions(c.remedy_en), "");
    for (FrontEnd fe : {FrontEnd::gui, FrontEnd::cli, FrontEnd::report}) {
      const Text r = c.remedy(fe);
      EXPECT_FALSE(has(r.zh_TW, "{action:")) << r.zh_TW;
      EXPECT_FALSE(has(r.en, "{action:")) << r.en;
    }
  }
}

TEST(Actions, EveryActionSpeaksEveryFrontEndInBothLanguages) {
  for (const auto& a : remedy_actions()) {
    SCOPED_TRACE(std::string(a.id));
    for (FrontEnd fe : {FrontEnd::gui, FrontEnd::cli, FrontEnd::report}) {
      EXPECT_FALSE(a.phrase(fe, Lang::zh_TW).empty());
      EXPECT_FALSE(a.phrase(fe, Lang::en).empty());
      EXPECT_NE(a.phrase(fe, Lang::zh_TW), a.phrase(fe, Lang::en));
    }
    // The command line names a command or flag of certwiz.
    EXPECT_TRUE(has(std::string(a.phrase(FrontEnd::cli, Lang::en)), "certwiz ") ||
                has(std::string(a.phrase(FrontEnd::cli, Lang::en)), "--"));
  }
}

TEST(Actions, TheWizardNamesItsButtonTheCliItsCommandTheReportBoth) {
  const FailureCode* c = find_failure_code("INSTALL-NOT-INSTALLED");
  ASSERT_NE(c, nullptr);
  const Text gui = c->remedy(FrontEnd::gui);
  EXPECT_TRUE(has(gui.zh_TW, "按「卡片管理工具與簽章元件」頁的「安裝或更新 HiCOS」按鈕")) << gui.zh_TW;
  EXPECT_TRUE(has(gui.en, "\"Install or update HiCOS\"")) << gui.en;
  EXPECT_FALSE(has(gui.zh_TW, "certwiz")) << gui.zh_TW;
  EXPECT_FALSE(has(gui.en, "certwiz")) << gui.en;
  const Text cli = c->remedy(FrontEnd::cli);
  EXPECT_TRUE(has(cli.zh_TW, "certwiz install-hicos")) << cli.zh_TW;
  EXPECT_TRUE(has(cli.en, "run certwiz install-hicos")) << cli.en;
  EXPECT_FALSE(has(cli.zh_TW, "按鈕")) << cli.zh_TW;
  EXPECT_FALSE(has(cli.en, "button")) << cli.en;
  const Text report = c->remedy();
  EXPECT_TRUE(has(report.en, "certwiz install-hicos") && has(report.en, "button")) << report.en;
}

TEST(Actions, AnActionStartingAnEnglishSentenceIsCapitalised) {
  EXPECT_EQ(render_actions("{action:selftest}.", FrontEnd::cli, Lang::en), "Run certwiz selftest.");
  EXPECT_EQ(render_actions("Done. {action:selftest}.", FrontEnd::cli, Lang::en), "Done. Run certwiz selftest.");
  EXPECT_EQ(render_actions("Then {action:selftest}.", FrontEnd::cli, Lang::en), "Then run certwiz selftest.");
  EXPECT_EQ(render_actions("{action:selftest}", FrontEnd::cli, Lang::zh_TW), "執行 certwiz selftest");
}

TEST(Actions, UnknownOrUnclosedPlaceholdersAreLeftAsTheyAre) {
  EXPECT_EQ(render_actions("a {action:no-such} b", FrontEnd::gui, Lang::en), "a {action:no-such} b");
  EXPECT_EQ(render_actions("a {action:selftest", FrontEnd::gui, Lang::en), "a {action:selftest");
  EXPECT_EQ(unknown_actions("x {action:no-such} {action:bind}"), "no-such");
}

TEST(Actions, AResultCarriesTheNeutralRemedyAndEachFrontEndSaysItsOwn) {
  const CheckResult r = CheckResult::warning("INSTALL-NOT-INSTALLED", {"尚未安裝", "Not installed"});
  EXPECT_EQ(r.remedy, find_failure_code("INSTALL-NOT-INSTALLED")->remedy(FrontEnd::report));
  EXPECT_EQ(render_remedy(r, FrontEnd::report), r.remedy);
  EXPECT_EQ(render_remedy(r, FrontEnd::gui), find_failure_code("INSTALL-NOT-INSTALLED")->remedy(FrontEnd::gui));
  // What a check added after the catalogue's remedy is kept.
  CheckResult extended = r;
  extended.remedy.en += " Then restart the browser.";
  EXPECT_TRUE(has(render_remedy(extended, FrontEnd::cli).en, "run certwiz install-hicos"));
  EXPECT_TRUE(has(render_remedy(extended, FrontEnd::cli).en, " Then restart the browser."));
  // A remedy that is not the catalogue's is left alone.
  CheckResult own = r;
  own.remedy = {"自訂", "Custom"};
  EXPECT_EQ(render_remedy(own, FrontEnd::gui), own.remedy);
}

TEST(Actions, ErrorsSpeakThisProcesssFrontEnd) {
  const Error e{"INSTALL-NOT-INSTALLED", ""};
  set_front_end(FrontEnd::cli);
  EXPECT_TRUE(has(e.remedy().en, "run certwiz install-hicos"));
  set_front_end(FrontEnd::gui);
  EXPECT_TRUE(has(e.remedy().en, "\"Install or update HiCOS\""));
  EXPECT_EQ(e.remedy(FrontEnd::report), find_failure_code("INSTALL-NOT-INSTALLED")->remedy());
  set_front_end(FrontEnd::report);
}

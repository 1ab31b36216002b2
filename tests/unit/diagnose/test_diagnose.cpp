#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "checks/diagnose/diagnose.h"

using namespace certwiz;

namespace {

Check check(std::string id, std::vector<std::string> depends_on = {}) {
  Check c;
  c.id = std::move(id);
  c.title = {c.id, c.id};
  c.depends_on = std::move(depends_on);
  c.run = [](const CheckContext&) { return CheckResult::pass({"好", "fine"}); };
  return c;
}

std::vector<std::string> ids(const std::vector<Check>& checks) {
  std::vector<std::string> out;
  for (const auto& c : checks) out.push_back(c.id);
  return out;
}

}  // namespace

TEST(SelectChecks, ByPrefixWithWhatTheyDependOnInTheEnginesOrder) {
  const std::vector<Check> all{check("pcsc.service"), check("pcsc.readers", {"pcsc.service"}),
                               check("pkcs11.module"), check("pkcs11.tokens", {"pkcs11.module", "pcsc.readers"}),
                               check("localsign.service")};
  EXPECT_EQ(ids(select_checks(all, {"pkcs11.tokens"})),
            (std::vector<std::string>{"pcsc.service", "pcsc.readers", "pkcs11.module", "pkcs11.tokens"}));
  EXPECT_EQ(ids(select_checks(all, {"localsign.", "pcsc.service"})),
            (std::vector<std::string>{"pcsc.service", "localsign.service"}));
  EXPECT_TRUE(select_checks(all, {"site."}).empty());
}

TEST(RunChecksPosting, EveryStartAndFinishGoesThroughPostWithItsOwnCopy) {
  const std::vector<Check> checks{check("a.one"), check("a.two", {"a.one"})};
  std::mutex m;
  std::vector<std::function<void()>> posted;  // run later, as a UI thread would
  std::vector<std::string> started, finished;
  const auto results = run_checks_posting(
      checks, RunnerOptions{},
      [&](std::function<void()> f) {
        std::lock_guard g(m);
        posted.push_back(std::move(f));
      },
      {[&](const std::string& id, const Text&) { started.push_back(id); },
       [&](const CheckResult& r) { finished.push_back(r.id + ":" + std::string(status_name(r.status))); }});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(started.empty() && finished.empty()) << "nothing runs before the front end runs what was posted";
  for (auto& f : posted) f();
  EXPECT_EQ(started, (std::vector<std::string>{"a.one", "a.two"}));
  EXPECT_EQ(finished, (std::vector<std::string>{"a.one:pass", "a.two:pass"}));
}

TEST(AssembleReport, TheRunsFactsAndOnlyKnownDependencies) {
  RunOptions o;
  o.lang = Lang::en;
  CheckResult readers = CheckResult::pass({"好", "fine"});
  readers.id = "pcsc.readers";
  CheckResult tokens = readers;
  tokens.id = "pkcs11.tokens";
  const Report report =
      assemble_report("wizard", o, {readers, tokens}, {{"pkcs11.tokens", {"pkcs11.module", "pcsc.readers"}}});
  EXPECT_EQ(report.command, "wizard");
  EXPECT_EQ(report.lang, Lang::en);
  EXPECT_FALSE(report.tool_version.empty());
  EXPECT_FALSE(report.created_at.empty());
  ASSERT_EQ(report.results.size(), 2u);
  // pkcs11.module was not run in this session: the report names no check it does not hold.
  EXPECT_EQ(report.depends_on.at("pkcs11.tokens"), (std::vector<std::string>{"pcsc.readers"}));
}

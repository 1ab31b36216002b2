#include <gtest/gtest.h>

#include "checks/core/report_model.h"

using namespace certwiz;

TEST(Result, FailureTakesCauseRemedyAndSeverityFromTheCatalogue) {
  auto r = CheckResult::failure("ENGINE-TIMEOUT", {"逾時", "timed out"}, Json{{"s", 3}}, "detail");
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.code, "ENGINE-TIMEOUT");
  EXPECT_EQ(r.cause, find_failure_code("ENGINE-TIMEOUT")->cause());
  EXPECT_FALSE(r.remedy.en.empty());
  auto w = CheckResult::failure("ENGINE-CANCELLED", {"取消", "cancelled"});
  EXPECT_EQ(w.status, Status::warn);  // declared as a warning
}

TEST(Result, JsonRoundTripKeepsEverything) {
  auto r = CheckResult::failure("ENGINE-TIMEOUT", {"逾時", "timed out"}, Json{{"reader", "讀卡機 00"}}, "x");
  r.id = "pcsc.readers";
  r.title = {"讀卡機", "Readers"};
  r.started_ms = 1.5;
  r.duration_ms = 20.25;
  auto back = check_result_from_json(to_json(r));
  EXPECT_EQ(back.id, r.id);
  EXPECT_EQ(back.title, r.title);
  EXPECT_EQ(back.status, r.status);
  EXPECT_EQ(back.code, r.code);
  EXPECT_EQ(back.cause, r.cause);
  EXPECT_EQ(back.remedy, r.remedy);
  EXPECT_EQ(back.detail, "x");
  EXPECT_EQ(back.evidence, r.evidence);
  EXPECT_DOUBLE_EQ(back.duration_ms, 20.25);
}

TEST(Result, MalformedJsonIsAnErrorNotACrash) {
  EXPECT_THROW(check_result_from_json(Json::parse(R"({"id":"x"})")), nlohmann::json::exception);
  EXPECT_THROW(check_result_from_json(Json::parse(R"({"id":"x","title":"t","status":"great","summary":"s"})")),
               nlohmann::json::exception);
}

TEST(Report, OverallStatusAndExitCodeFollowTheWorstResult) {
  Report rep;
  EXPECT_EQ(exit_code_for(rep), 0);
  rep.results.push_back(CheckResult::pass({"a", "a"}));
  rep.results.push_back(CheckResult::skipped({"b", "b"}));
  EXPECT_EQ(rep.overall(), Status::pass);
  EXPECT_EQ(exit_code_for(rep), 0);
  rep.results.push_back(CheckResult::warning("ENGINE-CANCELLED", {"c", "c"}));
  EXPECT_EQ(exit_code_for(rep), 1);
  rep.results.push_back(CheckResult::failure("ENGINE-TIMEOUT", {"d", "d"}));
  EXPECT_EQ(rep.overall(), Status::fail);
  EXPECT_EQ(exit_code_for(rep), 2);
  EXPECT_EQ(rep.count(Status::pass), 1u);
}

TEST(Report, JsonRoundTripAndVersionCheck) {
  Report rep;
  rep.command = "diagnose";
  rep.created_at = "2026-11-26T00:00:00Z";
  rep.lang = Lang::en;
  rep.redacted = false;
  rep.results.push_back(CheckResult::pass({"好", "ok"}));
  Json j = to_json(rep);
  EXPECT_EQ(j["overall"], "pass");
  EXPECT_EQ(j["counts"]["pass"], 1);
  auto back = report_from_json(j);
  EXPECT_EQ(back.lang, Lang::en);
  EXPECT_FALSE(back.redacted);
  EXPECT_EQ(back.results.size(), 1u);
  j["schema_version"] = 99;
  EXPECT_THROW(report_from_json(j), nlohmann::json::exception);
}

namespace {
struct Facts {
  int readers = 0;
};
struct OtherFacts {
  int readers = 0;
};
}  // namespace

TEST(Result, ModelIsReadBackOnlyAsItsOwnType) {
  CheckResult r = CheckResult::pass({"好", "ok"});
  EXPECT_EQ(r.model<Facts>(), nullptr);
  r.set_model(Facts{2});
  ASSERT_NE(r.model<Facts>(), nullptr);
  EXPECT_EQ(r.model<Facts>()->readers, 2);
  EXPECT_EQ(r.model<OtherFacts>(), nullptr);
  const CheckResult copy = r;  // results are copied into reports and the wizard's state
  ASSERT_NE(copy.model<Facts>(), nullptr);
  EXPECT_EQ(copy.model<Facts>()->readers, 2);
  // A result read back from JSON has evidence but no model.
  const CheckResult read = check_result_from_json(to_json(r));
  EXPECT_EQ(read.model<Facts>(), nullptr);
}

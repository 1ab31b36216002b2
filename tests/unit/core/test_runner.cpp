#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "checks/core/runner.h"

using namespace certwiz;
using namespace std::chrono_literals;

namespace {

Check make(std::string id, std::function<CheckResult(const CheckContext&)> run, std::vector<std::string> deps = {}) {
  Check c;
  c.id = std::move(id);
  c.title = {c.id + "（中）", c.id};
  c.depends_on = std::move(deps);
  c.run = std::move(run);
  return c;
}

CheckResult ok() { return CheckResult::pass({"好", "ok"}); }

}  // namespace

TEST(Runner, ResultsComeBackInGivenOrderWithIdsTitlesAndTimes) {
  std::vector<Check> checks = {make("b", [](auto&) { std::this_thread::sleep_for(30ms); return ok(); }),
                               make("a", [](auto&) { return ok(); })};
  auto results = run_checks(checks, {});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].id, "b");
  EXPECT_EQ(results[1].id, "a");
  EXPECT_EQ(results[0].title.en, "b");
  EXPECT_GE(results[0].duration_ms, 25.0);
  EXPECT_EQ(results[0].status, Status::pass);
}

// Libraries free per-thread state when a thread exits (OpenSSL's random generators):
// run_checks() must not return while a worker that delivered its result is still exiting,
// or a process that ends right after leaks that state (LeakSanitizer saw it in CI).
std::atomic<int> g_thread_exits{0};
struct SlowThreadExit {
  ~SlowThreadExit() {
    std::this_thread::sleep_for(150ms);
    ++g_thread_exits;
  }
};

TEST(Runner, WorkersThatDeliveredHaveExitedWhenTheRunReturns) {
  g_thread_exits = 0;
  auto touch = [](auto&) {
    thread_local SlowThreadExit marker;
    (void)&marker;
    return ok();
  };
  auto results = run_checks({make("a", touch), make("b", touch)}, {});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(g_thread_exits.load(), 2);
}

TEST(Runner, IndependentChecksRunConcurrently) {
  std::atomic<int> running{0}, peak{0};
  auto body = [&](const CheckContext&) {
    int now = ++running;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {}
    std::this_thread::sleep_for(100ms);
    --running;
    return ok();
  };
  std::vector<Check> checks = {make("a", body), make("b", body), make("c", body)};
  const auto t0 = std::chrono::steady_clock::now();
  run_checks(checks, {});
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(peak.load(), 2);
  EXPECT_LT(took, 280ms);  // three 100 ms checks, not run one after another
}

TEST(Runner, DependentsRunAfterTheirDependenciesAndSeeTheirResults) {
  std::atomic<bool> a_done{false};
  std::string seen;
  std::vector<Check> checks = {
      make("child", [&](const CheckContext& ctx) {
        EXPECT_TRUE(a_done.load());
        const auto* a = ctx.result_of("parent");
        seen = a ? a->evidence.value("fact", "") : "missing";
        EXPECT_EQ(ctx.result_of("unrelated"), nullptr);
        return ok();
      }, {"parent"}),
      make("parent", [&](const CheckContext&) {
        std::this_thread::sleep_for(20ms);
        a_done = true;
        return CheckResult::pass({"好", "ok"}, Json{{"fact", "42"}});
      }),
      make("unrelated", [](auto&) { return ok(); })};
  auto results = run_checks(checks, {});
  EXPECT_EQ(seen, "42");
  EXPECT_EQ(results[0].status, Status::pass);
}

TEST(Runner, AFailedDependencySkipsDependentsUnlessTheyOptIn) {
  bool explain_ran = false;
  std::vector<Check> checks = {
      make("service", [](auto&) { return CheckResult::failure("ENGINE-EXCEPTION", {"壞", "bad"}); }),
      make("readers", [](auto&) -> CheckResult { ADD_FAILURE() << "must not run"; return ok(); }, {"service"}),
      make("explain", [&](auto&) { explain_ran = true; return ok(); }, {"service"})};
  checks[2].run_when_dependency_fails = true;
  auto results = run_checks(checks, {});
  EXPECT_EQ(results[1].status, Status::skipped);
  EXPECT_EQ(results[1].evidence.value("blocked_by", ""), "service");
  EXPECT_TRUE(explain_ran);
}

TEST(Runner, AHungCheckTimesOutWithoutStallingTheRun) {
  auto release = std::make_shared<std::atomic<bool>>(false);
  std::vector<Check> checks = {make("hung", [release](auto&) {
                                 while (!*release) std::this_thread::sleep_for(5ms);
                                 return ok();
                               }),
                               make("fine", [](auto&) { return ok(); })};
  checks[0].timeout = 200ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto results = run_checks(checks, {});
  const auto took = std::chrono::steady_clock::now() - t0;
  *release = true;
  EXPECT_EQ(results[0].status, Status::fail);
  EXPECT_EQ(results[0].code, "ENGINE-TIMEOUT");
  EXPECT_FALSE(results[0].remedy.zh_TW.empty());
  EXPECT_EQ(results[1].status, Status::pass);
  EXPECT_LT(took, 1s);
}

TEST(Runner, AnExceptionBecomesAFailureResult) {
  std::vector<Check> checks = {make("throws", [](auto&) -> CheckResult { throw std::runtime_error("boom"); })};
  auto results = run_checks(checks, {});
  EXPECT_EQ(results[0].status, Status::fail);
  EXPECT_EQ(results[0].code, "ENGINE-EXCEPTION");
  EXPECT_EQ(results[0].detail, "boom");
}

TEST(Runner, CancellationStopsPendingAndRunningChecksPromptly) {
  RunnerOptions opts;
  opts.max_parallel = 1;
  CancelToken cancel = opts.cancel;
  std::vector<Check> checks = {make("slow", [](const CheckContext& ctx) {
                                 ctx.cancel().wait_for(5s);
                                 return ok();
                               }),
                               make("later", [](auto&) -> CheckResult { ADD_FAILURE() << "must not start"; return ok(); })};
  std::thread t([cancel] { std::this_thread::sleep_for(50ms); cancel.cancel(); });
  const auto t0 = std::chrono::steady_clock::now();
  auto results = run_checks(checks, opts);
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, Status::skipped);
    EXPECT_EQ(r.code, "ENGINE-CANCELLED");
  }
}

TEST(Runner, ProgressReportsEveryStartAndFinish) {
  std::mutex m;
  std::vector<std::string> events;
  RunnerOptions opts;
  opts.on_progress = [&](const Progress& p) {
    std::lock_guard g(m);
    events.push_back((p.kind == Progress::Kind::started ? "start " : "done ") + p.id + " " +
                     std::to_string(p.done) + "/" + std::to_string(p.total));
    if (p.kind == Progress::Kind::finished) {
      EXPECT_NE(p.result, nullptr);
    }
  };
  std::vector<Check> checks = {make("a", [](auto&) { return ok(); }), make("b", [](auto&) { return ok(); }, {"a"})};
  run_checks(checks, opts);
  EXPECT_EQ(events, (std::vector<std::string>{"start a 0/2", "done a 1/2", "start b 1/2", "done b 2/2"}));
}

TEST(Runner, RejectsBadCheckLists) {
  EXPECT_THROW(run_checks({make("a", [](auto&) { return ok(); }), make("a", [](auto&) { return ok(); })}, {}),
               std::invalid_argument);
  EXPECT_THROW(run_checks({make("a", [](auto&) { return ok(); }, {"ghost"})}, {}), std::invalid_argument);
  EXPECT_THROW(run_checks({make("a", [](auto&) { return ok(); }, {"b"}), make("b", [](auto&) { return ok(); }, {"a"})}, {}),
               std::invalid_argument);
}

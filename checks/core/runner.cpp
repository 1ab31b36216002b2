#include "checks/core/runner.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "checks/core/display_safe.h"

namespace certwiz {
namespace {

CheckResult cancelled_result() {
  auto r = CheckResult::failure("ENGINE-CANCELLED", {"已取消", "Cancelled"});
  r.status = Status::skipped;
  return r;
}


using Clock = std::chrono::steady_clock;

enum class State { pending, running, done };

// Shared with worker threads, which may outlive run_checks() when abandoned.
struct Shared {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::optional<CheckResult>> finished;  // written by workers
  std::vector<CheckResult> results;                   // owned by the main loop
};

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

void validate(const std::vector<Check>& checks, std::map<std::string, size_t>& index) {
  for (size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i].run) throw std::invalid_argument("check without a probe: " + checks[i].id);
    if (!index.emplace(checks[i].id, i).second) throw std::invalid_argument("duplicate check id: " + checks[i].id);
  }
  for (const auto& c : checks)
    for (const auto& d : c.depends_on)
      if (!index.count(d)) throw std::invalid_argument("check " + c.id + " depends on unknown " + d);
  // Cycle detection by repeated removal of checks whose dependencies are resolved.
  std::vector<bool> resolved(checks.size(), false);
  size_t left = checks.size();
  for (bool progress = true; progress && left;) {
    progress = false;
    for (size_t i = 0; i < checks.size(); ++i) {
      if (resolved[i]) continue;
      bool ready = true;
      for (const auto& d : checks[i].depends_on) ready = ready && resolved[index[d]];
      if (ready) {
        resolved[i] = true;
        --left;
        progress = true;
      }
    }
  }
  if (left) throw std::invalid_argument("dependency cycle among checks");
}

CheckResult engine_result(const Check& c, CheckResult r) {
  r.id = c.id;
  r.title = c.title;
  make_display_safe(r);  // the one place every check's text (and what servers sent) enters a run
  return r;
}

}  // namespace

std::vector<CheckResult> run_checks(const std::vector<Check>& checks, RunnerOptions options) {
  std::map<std::string, size_t> index;
  validate(checks, index);
  if (!options.log) options.log = std::make_shared<Log>();
  if (options.max_parallel == 0) options.max_parallel = 1;

  const size_t n = checks.size();
  auto shared = std::make_shared<Shared>();
  shared->finished.resize(n);
  std::vector<State> state(n, State::pending);
  std::vector<Clock::time_point> started(n), deadline(n);
  std::vector<std::optional<CheckResult>> result(n);
  // A worker whose result was collected is joined before returning: its thread-exit
  // handlers (OpenSSL frees its per-thread random generators there) then run before the
  // caller goes on, and before a process that exits right after. Abandoned workers are
  // detached.
  std::vector<std::thread> workers(n);
  std::vector<bool> delivered(n, false);
  struct DetachLeftovers {  // a progress callback that throws must not terminate the process
    std::vector<std::thread>& w;
    ~DetachLeftovers() {
      for (auto& t : w)
        if (t.joinable()) t.detach();
    }
  } detach_leftovers{workers};
  const auto t0 = Clock::now();
  size_t done = 0, running = 0;

  auto emit = [&](Progress::Kind kind, size_t i) {
    if (!options.on_progress) return;
    Progress p{kind, checks[i].id, checks[i].title, done, n, kind == Progress::Kind::finished ? &*result[i] : nullptr};
    options.on_progress(p);
  };
  auto finish = [&](size_t i, CheckResult r, Clock::time_point end) {
    r = engine_result(checks[i], std::move(r));
    r.started_ms = state[i] == State::running ? ms_between(t0, started[i]) : ms_between(t0, end);
    r.duration_ms = state[i] == State::running ? ms_between(started[i], end) : 0;
    if (state[i] == State::running) --running;
    state[i] = State::done;
    result[i] = std::move(r);
    ++done;
    options.log->info("engine", "finished " + checks[i].id + ": " + std::string(status_name(result[i]->status)) +
                                    (result[i]->code.empty() ? "" : " " + result[i]->code));
    emit(Progress::Kind::finished, i);
  };
  // A worker gets copies of its dependencies' (final) results: an abandoned worker may
  // outlive this function, so it must not point into its locals.
  auto lookup_for = [&result, &index, &checks](size_t i) {
    auto deps = std::make_shared<std::vector<CheckResult>>();
    for (const auto& d : checks[i].depends_on) deps->push_back(*result[index.at(d)]);
    return [deps](const std::string& id) -> const CheckResult* {
      for (const auto& r : *deps)
        if (r.id == id) return &r;
      return nullptr;
    };
  };

  std::unique_lock lk(shared->m);
  while (done < n) {
    const auto now = Clock::now();
    // Collect what workers finished.
    for (size_t i = 0; i < n; ++i) {
      if (state[i] == State::running && shared->finished[i]) {
        CheckResult r = std::move(*shared->finished[i]);
        shared->finished[i].reset();
        delivered[i] = true;
        // A check that returns after a cancellation may have stopped halfway (its wait
        // was cut short): its answer is not trusted.
        if (options.cancel.cancelled()) r = cancelled_result();
        lk.unlock();
        finish(i, std::move(r), now);
        lk.lock();
      }
    }
    // Time limits and cancellation.
    for (size_t i = 0; i < n; ++i) {
      if (state[i] == State::done) continue;
      if (options.cancel.cancelled()) {
        auto r = cancelled_result();
        lk.unlock();
        finish(i, std::move(r), now);
        lk.lock();
      } else if (state[i] == State::running && now >= deadline[i]) {
        auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(checks[i].timeout).count() / 1000.0;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f", secs);
        auto r = CheckResult::failure("ENGINE-TIMEOUT",
                                      {std::string("檢查在 ") + buf + " 秒內沒有完成", std::string("No answer within ") + buf + " s"},
                                      Json{{"timeout_s", secs}});
        lk.unlock();
        finish(i, std::move(r), now);
        lk.lock();
      }
    }
    // Start what is ready.
    for (size_t i = 0; i < n && running < options.max_parallel; ++i) {
      if (state[i] != State::pending) continue;
      bool ready = true;
      std::string failed_dep;
      for (const auto& d : checks[i].depends_on) {
        const size_t j = index[d];
        if (state[j] != State::done) {
          ready = false;
          break;
        }
        const Status s = result[j]->status;
        if ((s == Status::fail || s == Status::skipped) && failed_dep.empty()) failed_dep = d;
      }
      if (!ready) continue;
      if (!failed_dep.empty() && !checks[i].run_when_dependency_fails) {
        const auto& dep = *result[index[failed_dep]];
        auto r = CheckResult::skipped({"略過：需要先通過「" + dep.title.zh_TW + "」", "Skipped: needs \"" + dep.title.en + "\" first"},
                                      Json{{"blocked_by", failed_dep}});
        lk.unlock();
        finish(i, std::move(r), Clock::now());
        lk.lock();
        continue;
      }
      state[i] = State::running;
      ++running;
      started[i] = Clock::now();
      deadline[i] = started[i] + checks[i].timeout;
      lk.unlock();
      options.log->info("engine", "start " + checks[i].id);
      emit(Progress::Kind::started, i);
      workers[i] = std::thread([shared, i, check = checks[i], log = options.log, cancel = options.cancel, lookup = lookup_for(i)] {
        CheckContext ctx(cancel, log, lookup);
        CheckResult r;
        try {
          r = check.run(ctx);
        } catch (const std::exception& e) {
          r = CheckResult::failure("ENGINE-EXCEPTION", {"檢查程式發生錯誤", "The check failed unexpectedly"}, Json::object(), e.what());
        } catch (...) {
          r = CheckResult::failure("ENGINE-EXCEPTION", {"檢查程式發生錯誤", "The check failed unexpectedly"});
        }
        {
          std::lock_guard g(shared->m);
          shared->finished[i] = std::move(r);
        }
        shared->cv.notify_all();
      });
      lk.lock();
    }
    if (done == n) break;
    // Sleep until a worker finishes, the nearest deadline, or a cancellation poll.
    auto wake = Clock::now() + std::chrono::milliseconds(50);
    for (size_t i = 0; i < n; ++i)
      if (state[i] == State::running && deadline[i] < wake) wake = deadline[i];
    bool any_finished = false;
    for (size_t i = 0; i < n && !any_finished; ++i) any_finished = state[i] == State::running && shared->finished[i];
    if (!any_finished) shared->cv.wait_until(lk, wake);
  }
  lk.unlock();
  for (size_t i = 0; i < n; ++i) {
    if (!workers[i].joinable()) continue;
    if (delivered[i])
      workers[i].join();  // it has handed over its result: only its exit is left
    else
      workers[i].detach();  // timed out or cancelled: it may never return
  }

  std::vector<CheckResult> out;
  out.reserve(n);
  for (auto& r : result) out.push_back(std::move(*r));
  return out;
}

}  // namespace certwiz

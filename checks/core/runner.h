#pragma once
// Runs checks: independent ones concurrently, dependents after their dependencies,
// each with its own time limit, with progress events and cancellation.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checks/core/check.h"

namespace certwiz {

struct Progress {
  enum class Kind { started, finished } kind;
  std::string id;
  Text title;
  size_t done = 0;   // finished so far
  size_t total = 0;
  const CheckResult* result = nullptr;  // for `finished`; valid during the callback only
};

struct RunnerOptions {
  unsigned max_parallel = 4;
  // Called from worker threads; front ends marshal to their own thread.
  std::function<void(const Progress&)> on_progress;
  CancelToken cancel;
  std::shared_ptr<Log> log;  // optional; a memory log is made when absent
};

// Results in the order the checks were given. Duplicate ids or unknown/cyclic
// dependencies are programming errors: std::invalid_argument.
std::vector<CheckResult> run_checks(const std::vector<Check>& checks, RunnerOptions options);

}  // namespace certwiz

#pragma once
// A check: an id, a title, what it depends on, a time limit and the probe itself.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checks/core/cancel.h"
#include "checks/core/log.h"
#include "checks/core/result.h"

namespace certwiz {

class CheckContext {
 public:
  CheckContext(CancelToken cancel, std::shared_ptr<Log> log,
               std::function<const CheckResult*(const std::string&)> lookup)
      : cancel_(std::move(cancel)), log_(std::move(log)), lookup_(std::move(lookup)) {}
  const CancelToken& cancel() const { return cancel_; }
  Log& log() const { return *log_; }
  // The finished result of a declared dependency; nullptr for anything else.
  const CheckResult* result_of(const std::string& id) const { return lookup_(id); }

 private:
  CancelToken cancel_;
  std::shared_ptr<Log> log_;
  std::function<const CheckResult*(const std::string&)> lookup_;
};

struct Check {
  std::string id;     // stable, dotted: "pcsc.service", "card.atr"
  Text title;
  std::vector<std::string> depends_on;
  // Run even when a dependency failed (e.g. a check that explains the failure).
  bool run_when_dependency_fails = false;
  std::chrono::milliseconds timeout{std::chrono::seconds(20)};
  // Must be safe to run on a worker thread. A check that outlives its timeout is
  // abandoned (its result discarded), so it must own or share whatever it touches.
  std::function<CheckResult(const CheckContext&)> run;
};

}  // namespace certwiz

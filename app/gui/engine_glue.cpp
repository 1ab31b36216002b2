#include "app/gui/engine_glue.h"

namespace certwiz::gui {

CancelToken run_checks_async(WizardFrame& frame, std::vector<Check> checks, CheckRun cb) {
  auto shared_checks = std::make_shared<std::vector<Check>>(std::move(checks));
  auto results = std::make_shared<std::vector<CheckResult>>();
  auto callbacks = std::make_shared<CheckRun>(std::move(cb));
  auto log = frame.state().log;
  Background& bg = frame.bg();
  return bg.run(
      [shared_checks, results, callbacks, log, &bg](const CancelToken& cancel) {
        RunnerOptions o;
        o.cancel = cancel;
        o.log = log;
        *results = run_checks_posting(*shared_checks, o, [&bg](std::function<void()> f) { bg.post(std::move(f)); },
                                      {callbacks->on_started, callbacks->on_finished});
      },
      [&frame, shared_checks, results, callbacks] {
        frame.state().record_all(*shared_checks, *results);
        if (callbacks->on_done) callbacks->on_done(*results);
      });
}

}  // namespace certwiz::gui

#pragma once
// Running engine checks from a page: a subset of the diagnosis (select_checks, in
// checks/diagnose), progress back on the UI thread, results recorded for the report.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/wizard_frame.h"
#include "checks/core/runner.h"
#include "checks/diagnose/diagnose.h"

namespace certwiz::gui {

struct CheckRun {
  std::function<void(const std::string& id, const Text& title)> on_started;  // UI thread
  std::function<void(const CheckResult&)> on_finished;                      // UI thread
  std::function<void(const std::vector<CheckResult>&)> on_done;             // UI thread, after recording
};
// Runs `checks` on a background job; returns its cancel token.
CancelToken run_checks_async(WizardFrame& frame, std::vector<Check> checks, CheckRun callbacks);

}  // namespace certwiz::gui

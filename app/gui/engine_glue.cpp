#include "app/gui/engine_glue.h"

#include <set>

namespace certwiz::gui {

std::vector<Check> select_checks(const std::vector<Check>& all, const std::vector<std::string>& prefixes) {
  std::set<std::string> wanted;
  for (const auto& c : all)
    for (const auto& p : prefixes)
      if (c.id.rfind(p, 0) == 0) wanted.insert(c.id);
  // Dependencies, transitively (the list is in dependency order, so walk it backwards).
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (wanted.count(it->id))
      for (const auto& d : it->depends_on) wanted.insert(d);
  std::vector<Check> out;
  for (const auto& c : all)
    if (wanted.count(c.id)) out.push_back(c);
  return out;
}

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
        o.on_progress = [&bg, callbacks](const Progress& p) {
          if (p.kind == Progress::Kind::started && callbacks->on_started)
            bg.post([callbacks, id = p.id, title = p.title] { callbacks->on_started(id, title); });
          if (p.kind == Progress::Kind::finished && p.result && callbacks->on_finished)
            bg.post([callbacks, r = *p.result] { callbacks->on_finished(r); });
        };
        *results = run_checks(*shared_checks, o);
      },
      [&frame, shared_checks, results, callbacks] {
        frame.state().record_all(*shared_checks, *results);
        if (callbacks->on_done) callbacks->on_done(*results);
      });
}

}  // namespace certwiz::gui

#include "checks/report/digest.h"

#include <functional>
#include <map>
#include <set>

namespace certwiz::report {

std::vector<size_t> dependency_order(const Report& r) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < r.results.size(); ++i) index.emplace(r.results[i].id, i);
  std::vector<int> mark(r.results.size(), 0);  // 0 new, 1 visiting, 2 placed
  std::vector<size_t> order;
  std::function<void(size_t)> visit = [&](size_t i) {
    if (mark[i]) return;  // placed, or a cycle (a file edited by hand): keep going
    mark[i] = 1;
    if (auto d = r.depends_on.find(r.results[i].id); d != r.depends_on.end())
      for (const auto& dep : d->second)
        if (auto j = index.find(dep); j != index.end()) visit(j->second);
    mark[i] = 2;
    order.push_back(i);
  };
  for (size_t i = 0; i < r.results.size(); ++i) visit(i);
  return order;
}

Digest digest(const Report& r) {
  Digest d;
  std::map<std::string, const CheckResult*> by_id;
  for (const auto& c : r.results) by_id.emplace(c.id, &c);
  // Whether any (transitive) dependency of `id` is itself not working.
  std::function<bool(const std::string&, std::set<std::string>&)> upstream_broken =
      [&](const std::string& id, std::set<std::string>& seen) {
        auto deps = r.depends_on.find(id);
        if (deps == r.depends_on.end()) return false;
        for (const auto& dep : deps->second) {
          if (!seen.insert(dep).second) continue;
          auto it = by_id.find(dep);
          if (it == by_id.end()) continue;
          const Status s = it->second->status;
          if (s == Status::fail) return true;  // a warning upstream does not explain a failure
          if (upstream_broken(dep, seen)) return true;
        }
        return false;
      };
  const CheckResult* first_warn = nullptr;
  for (size_t i : dependency_order(r)) {
    const CheckResult& c = r.results[i];
    switch (c.status) {
      case Status::pass: d.working.push_back(&c); break;
      case Status::skipped:
      case Status::unknown: d.undecided.push_back(&c); break;
      case Status::fail:
      case Status::warn: {
        d.not_working.push_back(&c);
        std::set<std::string> seen;
        if (upstream_broken(c.id, seen)) break;
        if (c.status == Status::fail && !d.next) d.next = &c;
        if (c.status == Status::warn && !first_warn) first_warn = &c;
        break;
      }
    }
  }
  if (!d.next) d.next = first_warn;
  // Without dependency data (an old file), fall back to the first failure at all.
  if (!d.next)
    for (const auto* c : d.not_working)
      if (c->status == Status::fail) { d.next = c; break; }
  return d;
}

}  // namespace certwiz::report

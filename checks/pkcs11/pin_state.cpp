#include "checks/pkcs11/pin_state.h"

#include <algorithm>
#include <future>
#include <vector>

#include "checks/pkcs11/discovery.h"
#include "checks/pkcs11/inventory.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/probe.h"

namespace certwiz::pkcs11 {

namespace {

constexpr std::chrono::milliseconds kHintProbeLimit{std::chrono::seconds(5)};

// The module to read the state through: diagnose's choice, else the p11-kit-registered
// module that describes itself as the component's module does.
std::optional<ModuleCandidate> module_for(const PinStateQuery& q) {
  const auto candidates = discover_modules(q.options);
  if (const ModuleCandidate* c = preferred_module(candidates)) return *c;
  const std::string hint = q.component_library_description ? q.component_library_description() : std::string();
  if (hint.empty()) return std::nullopt;
  // All at once, with a short limit: some registered modules take many seconds to
  // initialise (OpenSC tries every card driver on every reader), and the user waits.
  const auto limit = std::min(q.timeout, kHintProbeLimit);
  std::vector<std::future<Expected<ModuleInfo>>> probes;
  for (const auto& c : candidates)
    probes.push_back(std::async(std::launch::async, [path = c.path, limit] { return probe_module_info(path, limit); }));
  std::optional<ModuleCandidate> found;
  for (size_t i = 0; i < probes.size(); ++i) {
    auto info = probes[i].get();
    if (!found && info && !info->description.empty() && info->description == hint) {
      found = candidates[i];
      found->source += "+component-hint";
    }
  }
  return found;
}

}  // namespace

Expected<CardPinState> read_pin_state(const PinStateQuery& query) {
  auto module = module_for(query);
  if (!module)
    return Error{"P11-NO-MODULE", "no PKCS#11 module found (explicit, HiCOS install paths, p11-kit) to read the card's PIN state"};
  auto host = ModuleHost::start(module->path, query.timeout);
  if (!host) return host.error();
  auto inv = collect_tokens(*host);
  (*host)->shutdown();
  if (!inv) return inv.error();
  auto token = choose_token(*inv, query.reader);
  if (!token) return token.error();
  const PinStatus pin = PinGuard::pin_state(*token);
  CardPinState s;
  s.module = module->path;
  s.source = module->source;
  s.reader = token->reader;
  s.serial = token->serial;
  s.locked = pin.locked;
  s.final_try = pin.final_try;
  s.count_low = pin.count_low;
  s.tries_left = pin.tries_left;
  return s;
}

}  // namespace certwiz::pkcs11

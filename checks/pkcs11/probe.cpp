#include "checks/pkcs11/probe.h"

#include "checks/pkcs11/module_host.h"

namespace certwiz::pkcs11 {

Expected<ModuleInfo> probe_module_info(ModuleHost& host) {
  const size_t since = host.timing_count();
  auto info = host.call(Json{{"op", "info"}});
  if (!info) return info.error();
  auto slots = host.call(Json{{"op", "slots"}});
  if (!slots) return slots.error();
  ModuleInfo m;
  m.path = host.module_path();
  m.manufacturer = info->value("manufacturer", "");
  m.description = info->value("description", "");
  m.library_version = info->value("library_version", "");
  m.cryptoki_version = info->value("cryptoki_version", "");
  for (const auto& s : (*slots)["slots"]) {
    ++m.slot_count;
    if (s.contains("token")) ++m.token_count;
  }
  for (const auto& t : host.timings(since)) m.pkcs11_ms += t.ms;
  return m;
}

Expected<ModuleInfo> probe_module_info(const std::string& path, std::chrono::milliseconds timeout) {
  auto host = ModuleHost::start(path, timeout);
  if (!host) return host.error();
  auto m = probe_module_info(**host);
  if (!m) return m.error();
  (*host)->shutdown();
  // C_Initialize and C_Finalize count too when the host lives for this probe alone.
  m->pkcs11_ms = 0;
  for (const auto& t : (*host)->timings()) m->pkcs11_ms += t.ms;
  return m;
}

Json to_json(const ModuleInfo& m) {
  return Json{{"path", m.path},
              {"manufacturer", m.manufacturer},
              {"description", m.description},
              {"library_version", m.library_version},
              {"cryptoki_version", m.cryptoki_version},
              {"slot_count", m.slot_count},
              {"token_count", m.token_count},
              {"pkcs11_ms", m.pkcs11_ms}};
}

}  // namespace certwiz::pkcs11

#pragma once
// A PKCS#11 module loaded in its own child process (certwiz-p11host). Vendor code that
// crashes, aborts or hangs ends that process, not CertWiz: the call that was running
// comes back as P11-MODULE-CRASHED (with the signal) or P11-MODULE-HUNG (the host is
// killed after the time limit). Every PKCS#11 call the host makes is timed.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/pkcs11/host_process.h"

namespace certwiz::pkcs11 {

struct CallTiming {
  std::string fn;  // "C_Sign"
  double ms = 0;   // time inside the module, measured by the host
  std::string rv;  // "CKR_OK"
};

class ModuleHost {
 public:
  // Starts the host and loads `module_path` in it (dlopen, C_GetFunctionList,
  // C_Initialize). `call_timeout` bounds every later request.
  static Expected<std::shared_ptr<ModuleHost>> start(const std::string& module_path,
                                                     std::chrono::milliseconds call_timeout);
  ~ModuleHost();
  ModuleHost(const ModuleHost&) = delete;
  ModuleHost& operator=(const ModuleHost&) = delete;

  // One request; `pin` (login only) follows it as a raw frame. A PKCS#11 error comes
  // back as an Error with a catalogue code and "C_Fn: CKR_... (0x..)" as detail.
  Expected<Json> call(const Json& request, const Secret* pin = nullptr);

  // Calls C_Finalize and lets the host exit (kills it when it does not).
  void shutdown();

  bool alive() const;
  long pid() const;
  const std::string& module_path() const { return module_path_; }
  std::chrono::milliseconds call_timeout() const { return timeout_; }

  // Every PKCS#11 call so far, in order; `since` skips the first entries.
  std::vector<CallTiming> timings(size_t since = 0) const;
  size_t timing_count() const;
  // Wall time spent waiting for the host's answers (PKCS#11 time plus the pipe).
  double roundtrip_ms() const;

 private:
  ModuleHost(HostProcess p, std::string module_path, std::chrono::milliseconds timeout);
  Error lost(const std::string& op, bool timed_out);

  mutable std::mutex m_;
  HostProcess proc_;
  std::string module_path_;
  std::chrono::milliseconds timeout_;
  std::optional<Error> gone_;  // why the host is no longer usable
  std::vector<CallTiming> timings_;
  double roundtrip_ms_ = 0;
};

// The catalogue code for a PKCS#11 return value from function `fn`.
Error error_for_rv(const std::string& fn, unsigned long rv);

// PKCS#11 functions an operation of the host runs (for messages about crashes and hangs).
std::string functions_of(const std::string& op);

}  // namespace certwiz::pkcs11

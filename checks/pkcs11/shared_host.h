#pragma once
// One module host per diagnostic run, shared by every check that talks to the module
// (pkcs11.module, pkcs11.tokens, the self-tests). Starting a host is a process start, a
// dlopen and a C_Initialize (SoftHSM2 reads every token from disk there): doing it once
// instead of once per check is most of what a run spends outside the module's calls.
//
// Isolation stays as it was: the host is still a child process, and a host that crashed
// or hung is not handed out again: the next check that asks gets a fresh one, exactly as
// when every check started its own.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "checks/core/result.h"
#include "checks/pkcs11/module_host.h"

namespace certwiz::pkcs11 {

class SharedModuleHost {
 public:
  explicit SharedModuleHost(std::chrono::milliseconds call_timeout) : timeout_(call_timeout) {}
  ~SharedModuleHost() { shut_down(); }
  SharedModuleHost(const SharedModuleHost&) = delete;
  SharedModuleHost& operator=(const SharedModuleHost&) = delete;

  // The running host for `module_path`, started now when there is none, when the last
  // one died, or when it holds another module. `started_now` says which (the caller that
  // started it owns C_Initialize's time in its evidence).
  Expected<std::shared_ptr<ModuleHost>> get(const std::string& module_path, bool* started_now = nullptr);

  // Each check that will call get() says so when it is made (expect_user) and when it is
  // done (release): the last release ends the host (C_Finalize) while the rest of the run
  // goes on. A check the engine skips never releases; the destructor ends the host then.
  void expect_user();
  void release();

  // Ends the host now (C_Finalize); a later get() starts a new one.
  void shut_down();

  // Whether a host is running now.
  bool running() const;

  // How many hosts this run started (for the run's evidence and the benchmarks).
  int hosts_started() const;

 private:
  mutable std::mutex m_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<ModuleHost> host_;
  int users_ = 0;
  int started_ = 0;
};

}  // namespace certwiz::pkcs11

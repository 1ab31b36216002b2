#pragma once
// Starting, watching and stopping the module host process (platform half of ModuleHost).
#include <chrono>
#include <cstdint>
#include <string>

#include "checks/core/result.h"
#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11 {

struct HostProcess {
  wire::Channel channel;  // our ends: the socket (POSIX) or the two pipes (Windows)
  long pid = -1;
  std::intptr_t process = 0;  // Windows: the process handle
  std::intptr_t job = 0;      // Windows: the Job object that kills the host with CertWiz
};

// How the host ended: by a signal (crash, abort, our kill) or an exit code. On Windows
// an unhandled exception (0xC0000005 ...) and the C runtime's abort() count as signals.
struct HostExit {
  bool ended = false;  // false: still running after the grace period
  int signal = 0;      // non-zero when killed by a signal
  int code = 0;
};

// CERTWIZ_P11HOST, else certwiz-p11host next to the running executable.
std::string find_host_executable();

// Starts the host with a connection to it; the child gets only `--fd N` (POSIX) or
// `--pipe-in H --pipe-out H` (Windows) on its command line, never a PIN.
Expected<HostProcess> spawn_host(const std::string& executable);

// Waits up to `grace` for the host to end, then reports how it ended.
HostExit wait_host(HostProcess& p, std::chrono::milliseconds grace);

// Kills the host (it hangs or we are done with it) and reaps it.
HostExit kill_host(HostProcess& p);

// "SIGSEGV", "SIGABRT", ... (Windows: "EXCEPTION_ACCESS_VIOLATION (0xC0000005)", "abort()")
std::string signal_name(int signal);

}  // namespace certwiz::pkcs11

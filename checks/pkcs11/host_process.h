#pragma once
// Starting, watching and stopping the module host process (platform half of ModuleHost).
#include <chrono>
#include <string>

#include "checks/core/result.h"

namespace certwiz::pkcs11 {

struct HostProcess {
  int fd = -1;    // our end of the socket pair
  long pid = -1;
};

// How the host ended: by a signal (crash, abort, our kill) or an exit code.
struct HostExit {
  bool ended = false;  // false: still running after the grace period
  int signal = 0;      // non-zero when killed by a signal
  int code = 0;
};

// CERTWIZ_P11HOST, else certwiz-p11host next to the running executable.
std::string find_host_executable();

// Starts the host with a socket to it; the child gets only `--fd N` on its command line.
Expected<HostProcess> spawn_host(const std::string& executable);

// Waits up to `grace` for the host to end, then reports how it ended.
HostExit wait_host(HostProcess& p, std::chrono::milliseconds grace);

// Kills the host (it hangs or we are done with it) and reaps it.
HostExit kill_host(HostProcess& p);

// "SIGSEGV", "SIGABRT", ...
std::string signal_name(int signal);

}  // namespace certwiz::pkcs11

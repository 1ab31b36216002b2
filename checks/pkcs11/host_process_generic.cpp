// Platforms with neither POSIX spawn nor Windows' CreateProcess (none CertWiz supports:
// Linux and macOS use host_process_posix.cpp, Windows host_process_win.cpp): the module
// host cannot be started, which the checks report as P11-HOST-FAILED.
#include "checks/pkcs11/host_process.h"

namespace certwiz::pkcs11 {

std::string find_host_executable() { return "certwiz-p11host"; }

Expected<HostProcess> spawn_host(const std::string& executable) {
  return Error{"P11-HOST-FAILED", "starting " + executable + " is not implemented on this platform"};
}

HostExit wait_host(HostProcess&, std::chrono::milliseconds) { return HostExit{true, 0, 0}; }
HostExit kill_host(HostProcess&) { return HostExit{true, 0, 0}; }
std::string signal_name(int signal) { return "signal " + std::to_string(signal); }

}  // namespace certwiz::pkcs11

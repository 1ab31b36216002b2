#pragma once
// Facts about the smart-card service on this host that PC/SC itself does not tell:
// competing daemons (from a /proc tree) and the installed pcsc-lite package version
// (from a dpkg status file). Pure readers of given paths, so tests use fixtures.
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::pcsc {

struct DaemonProcess {
  int pid = 0;
  std::string name;        // /proc/<pid>/comm
  std::string role;        // "pcscd" or "openct"
  bool same_namespace = true;  // shares our mount namespace (so our /run/pcscd socket)
};

// Smart-card daemons under `proc_root`. A pcscd in another mount namespace (a container,
// another lab) serves a different socket and is not a competitor: same_namespace=false.
std::vector<DaemonProcess> scan_smartcard_daemons(const std::string& proc_root);

// Human-readable reason when the daemons compete ("2 pcscd processes: 120, 455"), empty otherwise.
std::string competing_daemons(const std::vector<DaemonProcess>& daemons);

// "Version:" of `package` in a dpkg status file's text; empty when not installed.
std::string dpkg_package_version(std::string_view status_text, std::string_view package);

Json to_json(const DaemonProcess& d);

// Where this OS keeps what the pcsc checks read. Tests replace these with fixture trees.
struct PcscPaths {
  std::string proc_root;       // "/proc"; empty where there is none
  std::string sysfs_root;      // "/sys"
  std::string drivers_dir;     // pcsc-lite's USB driver bundles
  std::string package_status;  // "/var/lib/dpkg/status"
};

// Platform half (platform_linux.cpp / _win / _mac / _generic).
PcscPaths default_pcsc_paths();
std::string_view os_name();
// The PC/SC client library CertWiz was built against ("pcsc-lite 1.9.9", "winscard").
std::string pcsc_library_version();
// The exact steps for this OS for a code, in both languages; empty when the catalogue's
// general remedy is all there is.
Text platform_remedy(std::string_view code);

}  // namespace certwiz::pcsc

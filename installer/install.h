#pragma once
// Installing the HiCOS card tool: manifest → download (verified) → unpack → swap into
// place → register (p11-kit, optionally Firefox) → load the module in the isolated
// host. Any failure after unpacking restores the previous version's files and
// registrations. The outcome is a CheckResult (id installer.install) whose evidence
// holds the version, hash, module path and registrations.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "checks/core/result.h"
#include "installer/download.h"
#include "installer/manifest.h"
#include "installer/record.h"
#include "installer/unpack.h"

namespace certwiz::installer {

struct InstallPaths {
  std::string target_dir;          // the package's folder (…/certwiz/hicos)
  std::string p11kit_modules_dir;  // …/pkcs11/modules
  std::string cache_dir;           // downloads and their .part files
  std::string firefox_dir;         // the folder holding profiles.ini
  bool system_wide = false;
};
// Per user: $XDG_DATA_HOME/certwiz/hicos (~/.local/share), $XDG_CONFIG_HOME/pkcs11/modules,
// $XDG_CACHE_HOME/certwiz; system-wide: /opt/certwiz/hicos, /etc/pkcs11/modules,
// /var/cache/certwiz. Firefox: ~/.mozilla/firefox.
InstallPaths default_install_paths(bool system_wide);

// Loads the module in a separate process and answers what it reported (evidence) or why it failed.
using ModuleVerifier = std::function<Expected<Json>(const std::string& module_path)>;

enum class InstallPhase { manifest, download, unpack, register_module, verify, rollback, done };
std::string_view install_phase_name(InstallPhase p);

// What a user is shown before agreeing to install a package the manifest pins no hash for.
struct UnverifiedPackage {
  std::string url;
  std::string sha256;       // computed from the bytes received
  std::uint64_t size = 0;
  std::string tls_subject;  // the download server's certificate ("" when unknown)
  std::string tls_issuer;
};

struct InstallOptions {
  std::string manifest;       // https URL or file path; empty → the bundled assets/manifest/hicos.json
  std::string package_url;    // overrides the selected package's URL
  InstallPaths paths = default_install_paths(false);
  bool firefox = false;
  bool run_vendor_script = false;
  bool force = false;         // reinstall even when up to date
  std::string modutil = "modutil";
  DownloadOptions download;
  UnpackLimits limits;
  ModuleVerifier verify_module;  // required where the module is installed by CertWiz (Linux)
  std::function<void(InstallPhase)> on_phase;
  // Without a pinned SHA-256 nothing is installed (no file placed, no script run, no
  // registration) unless the user agreed after seeing the computed hash and the server's
  // certificate: accept_unverified (certwiz install-hicos --accept-unverified) or
  // confirm_unverified answering true (the wizard's dialog). Called on the installing thread.
  bool accept_unverified = false;
  std::function<bool(const UnverifiedPackage&)> confirm_unverified;
};

Expected<Manifest> load_manifest(const std::string& location, const DownloadOptions& options);

// CertWiz's own install against the manifest ("up to date" / "update available"): what
// install_hicos needs to skip an install. The check a diagnosis shows (CertWiz's install,
// a vendor's, the running component) is installer/status.h.
CheckResult hicos_install_status(const Manifest& manifest, const InstallPaths& paths);

// The whole flow (installer.install).
CheckResult install_hicos(const InstallOptions& options);

// The download step alone: into paths.cache_dir, resumable, hash-checked.
Expected<DownloadedFile> fetch_package(const Package& package, const InstallOptions& options);

// The steps after the download (platform-specific: unpack and register on Linux; the
// vendor's installer on Windows and macOS).
CheckResult install_package_file(const Package& package, const DownloadedFile& file, const InstallOptions& options);

// installer.uninstall: removes exactly what the record lists and nothing else, and a
// CertWiz p11-kit registration whose library no longer exists.
CheckResult uninstall_hicos(const InstallPaths& paths, const std::string& modutil = "modutil");

// An install killed midway (crash, kill -9, power cut) is finished or undone here, and
// staging folders it left are removed; install and uninstall call it first. Answers what
// it did (empty when there was nothing to do), or INSTALL-ROLLBACK-FAILED.
Expected<Json> recover_interrupted_install(const InstallPaths& paths, const std::string& modutil = "modutil");
// True when an install was interrupted and not yet recovered (installer.status says so).
bool install_interrupted(const InstallPaths& paths);

// For the platforms that hand the install to the vendor's own installer (Windows, macOS),
// which owns its files and its uninstaller: CertWiz records only what it ran.
void record_vendor_install(const Package& package, const DownloadedFile& file, const InstallPaths& paths,
                           const std::string& module_path = {});
// installer.uninstall there: INSTALL-UNSUPPORTED-PLATFORM with `how` to remove it by hand.
CheckResult vendor_owned_uninstall(const InstallPaths& paths, Text how);

}  // namespace certwiz::installer

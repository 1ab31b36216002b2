#pragma once
// Making the installed PKCS#11 module known to applications: a p11-kit .module file
// (per user or system-wide) and, on request, Firefox's NSS databases through modutil.
#include <optional>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "installer/record.h"

namespace certwiz::installer {

inline constexpr const char* kP11KitModuleFileName = "hicos.module";
inline constexpr const char* kNssModuleName = "HiCOS PKI Smart Card";

// The .module file text CertWiz writes; its first line marks it as CertWiz's own.
std::string p11kit_module_text(const std::string& module_path);
bool is_certwiz_module_file(const std::string& text);

// The module file a p11-kit registration would use; reads whatever is there now.
struct ModuleFileState {
  std::string path;
  bool exists = false;
  std::string content;
};
ModuleFileState read_module_file(const std::string& modules_dir);
// Writes (atomically) and returns the registration; INSTALL-REGISTER-FAILED on error.
Expected<Registration> write_module_file(const std::string& modules_dir, const std::string& module_path);
// Puts back what was there before (or removes the file when there was nothing).
std::optional<Error> restore_module_file(const ModuleFileState& before);

struct FirefoxProfile {
  std::string name;
  std::string path;     // absolute
  bool has_sql_db = false;  // cert9.db present: NSS "sql:" database
};
// Profiles listed in <firefox_dir>/profiles.ini (relative paths resolved against it).
std::vector<FirefoxProfile> find_firefox_profiles(const std::string& firefox_dir);
// Parses profiles.ini text (exposed for tests).
std::vector<FirefoxProfile> parse_profiles_ini(const std::string& text, const std::string& firefox_dir);

// modutil -add / -delete; INSTALL-FIREFOX-FAILED with modutil's output on failure.
std::optional<Error> nss_add_module(const std::string& modutil, const std::string& profile_dir,
                                    const std::string& name, const std::string& libfile);
std::optional<Error> nss_delete_module(const std::string& modutil, const std::string& profile_dir,
                                       const std::string& name);
// The library file of module `name` in the profile's NSS database (std::nullopt when absent).
// Read from the whole `modutil -list`: `-list NAME` also lists slots and exits non-zero
// when a slot has a problem, though the module is there.
std::optional<std::string> nss_module_libfile(const std::string& modutil, const std::string& profile_dir,
                                              const std::string& name);
// Parses `modutil -list` output (exposed for tests).
std::optional<std::string> parse_modutil_list(const std::string& output, const std::string& name);
bool nss_has_module(const std::string& modutil, const std::string& profile_dir, const std::string& name);

}  // namespace certwiz::installer

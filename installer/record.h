#pragma once
// The install record (certwiz-install.json in the install folder): exactly what CertWiz
// put on the machine, so an uninstall removes that and nothing else, and a failed
// update can restore the previous state.
#include <optional>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "installer/manifest.h"

namespace certwiz::installer {

inline constexpr const char* kRecordFileName = "certwiz-install.json";

struct Registration {
  enum class Kind { p11kit_module, firefox_nss };
  Kind kind = Kind::p11kit_module;
  std::string path;            // the .module file, or the Firefox profile folder
  std::string name;            // NSS module name (firefox_nss)
  std::string libfile;         // module path registered
  std::string content_sha256;  // of the .module file CertWiz wrote (p11kit_module)
};

struct InstallRecord {
  std::string package_id;
  DottedVersion version;
  std::string source_url;
  std::string sha256;
  std::string installed_at;           // ISO 8601 UTC
  std::string target_dir;
  std::string module_path;            // absolute
  std::vector<std::string> files;     // relative to target_dir: regular files and links
  std::vector<std::string> dirs;      // relative to target_dir
  std::vector<Registration> registrations;
  bool vendor_script_ran = false;
};

Json to_json(const InstallRecord& r);
// INSTALL-RECORD-INVALID on a malformed record, also when a listed path would leave the folder.
Expected<InstallRecord> install_record_from_json(const Json& j);
// std::nullopt when there is no record; INSTALL-RECORD-INVALID when it is unreadable.
Expected<std::optional<InstallRecord>> read_install_record(const std::string& target_dir);
// Written through a temporary file and rename.
std::optional<Error> write_install_record(const std::string& dir, const InstallRecord& r);

std::string utc_now_iso8601();

}  // namespace certwiz::installer

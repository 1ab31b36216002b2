#pragma once
// installer.status: the one answer to "is HiCOS installed, which version, installed by
// whom". CertWiz's install record, a vendor installation found on disk (the PKCS#11
// module in the vendor's locations, the local signing component's folder, p11-kit and
// Firefox/NSS registrations) and the running local signing component all count, so no
// row of a diagnosis says "not installed" next to a module or component that works.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "checks/core/check.h"
#include "checks/core/options.h"
#include "checks/core/result.h"
#include "installer/install.h"
#include "installer/manifest.h"

namespace certwiz::installer {

// Where a vendor installation leaves traces on this OS (platform files
// vendor_locations_<os>), besides the PKCS#11 module locations that checks/pkcs11's
// discovery searches (the same list, so both checks see the same files).
struct VendorLocations {
  std::vector<std::string> component_dirs;  // the local signing component's install folders or markers
  std::vector<std::string> firefox_dirs;    // folders holding Firefox's profiles.ini
};
VendorLocations vendor_locations();

struct HicosStatusOptions {
  // Every path searched is taken under this folder ("" = the real root), so a test can
  // plant a vendor-style installation in a folder of its own (pkcs11::system_root()).
  std::string system_root;
  InstallPaths paths = default_install_paths(false);  // where CertWiz's own install and record live
  std::string localsign_url = "http://127.0.0.1:61161";
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  std::optional<std::string> site_minimum;  // the site profile's minimum for this OS
  std::string site_name;
};

// What was found, each item with where it was seen.
struct HicosFindings {
  std::optional<InstallRecord> record;              // CertWiz's
  std::optional<Error> record_error;                // a damaged record
  std::vector<std::string> vendor_module_files;     // module files outside CertWiz's folder
  std::vector<std::string> certwiz_module_files;    // module files in CertWiz's folder
  std::vector<std::string> component_dirs;          // the component's folder or service marker
  std::vector<std::string> p11kit_registrations;    // .module files naming a HiCOS module
  std::vector<std::string> firefox_registrations;   // Firefox profiles whose NSS database loads HiCOS
  std::optional<std::string> component_version;     // GET / of the running component
  std::string component_error;                      // why it did not answer (a code)

  bool vendor_traces() const;
};

HicosFindings find_hicos(const HicosStatusOptions& options);

// What installer.status learned (its model): the findings and the verdict on them. The
// check's evidence is to_json of it.
struct HicosInstallation {
  HicosFindings found;
  std::optional<std::string> site_minimum;     // the site's minimum for this OS
  std::optional<std::string> offered_version;  // what CertWiz's manifest offers here
  std::string source;  // "certwiz", "vendor installer"; empty when not installed (or the record is damaged)
  std::optional<std::string> installed_version;
  // "up to date", "update available", "below site minimum", "version unknown",
  // "installed", "not installed"; empty when the record is damaged.
  std::string state;

  bool installed() const { return !source.empty(); }
};
Json to_json(const HicosInstallation& h);

// The verdict (id installer.status). `manifest` (may be null) gives the version CertWiz
// offers, for CertWiz's own install.
CheckResult hicos_status(const HicosFindings& found, const HicosStatusOptions& options, const Manifest* manifest);

// find_hicos + hicos_status with the bundled manifest.
CheckResult hicos_status(const HicosStatusOptions& options);

// Options for a diagnosis run: its system root, local signing component URL, site profile.
HicosStatusOptions hicos_status_options(const RunOptions& options);

// The check as a diagnosis runs it.
Check hicos_status_check(const RunOptions& options);

// The HiCOS library files an NSS database's pkcs11.txt loads (exposed for tests).
std::vector<std::string> parse_nss_pkcs11_txt(const std::string& text);

}  // namespace certwiz::installer

#pragma once
// The HiCOS package manifest (assets/manifest/hicos.json): which package to fetch for
// which OS and architecture, its version, address, size and SHA-256 where known.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::installer {

// A vendor version such as 1.3.4.103328: dotted decimal numbers, compared numerically,
// missing trailing parts count as 0 (1.3.4 == 1.3.4.0).
struct DottedVersion {
  std::vector<std::uint64_t> parts;

  static std::optional<DottedVersion> parse(std::string_view text);
  std::string str() const;
  std::strong_ordering operator<=>(const DottedVersion& other) const;
  bool operator==(const DottedVersion& other) const { return (*this <=> other) == 0; }
};

enum class VersionState { not_installed, up_to_date, update_available, newer_installed };
std::string_view version_state_name(VersionState s);  // "not installed", "up to date", ...
VersionState compare_installed(const std::optional<DottedVersion>& installed, const DottedVersion& offered);

enum class PackageFormat { zip, tar_gz, pkg };
std::string_view package_format_name(PackageFormat f);

struct Package {
  std::string id;                         // "hicos-linux-x86_64"
  std::string os;                         // "linux" | "windows" | "macos"
  std::vector<std::string> arch;          // "x86_64", "x86", "arm64"
  std::vector<std::string> products;      // "hicos-client", "local-sign-server"
  DottedVersion version;
  std::string url;
  std::string file_name;                  // "HiPKILocalSignServerApp.tar.gz"
  PackageFormat format = PackageFormat::tar_gz;
  std::optional<std::uint64_t> size;      // bytes, when known
  std::string sha256;                     // lowercase hex, empty when unknown
  bool unverified = false;                // address/version not confirmed from the facts
  std::vector<std::string> module_patterns;  // glob patterns for the PKCS#11 module file name
  std::string vendor_installer;           // file to run on Windows/macOS (inside the archive or the file itself)
  std::string vendor_script;              // optional install script inside the package (Linux)
};

struct Manifest {
  int format = 1;
  std::string download_page;
  std::vector<Package> packages;
};

// Parses and validates; INSTALL-MANIFEST-INVALID with the offending field otherwise.
Expected<Manifest> parse_manifest(std::string_view json_text);
// The package for an OS and architecture; nullptr when there is none.
const Package* select_package(const Manifest& m, std::string_view os, std::string_view arch);

std::string_view current_os();    // "linux", "windows", "macos", "other"
std::string_view current_arch();  // "x86_64", "x86", "arm64", "other"

// Default file-name patterns for a PKCS#11 module when the manifest gives none.
const std::vector<std::string>& default_module_patterns();

Json to_json(const Package& p);

}  // namespace certwiz::installer

#pragma once
// A site profile: everything CertWiz knows about one certificate-login site, kept as
// data (assets/sites/*.json) because the real site's details are not public and change.
#include <map>
#include <string>
#include <vector>

#include "checks/core/result.h"

namespace certwiz {

struct PasswordPolicy {
  int min_length = 8;
  bool require_letter = true;
  bool require_digit = true;
  bool require_special = true;
};

struct SiteProfile {
  std::string name;                 // "waste" ...
  std::string base_url;             // "https://..."
  std::map<std::string, std::string> endpoints;  // lookup, apply, challenge, bind, login, logout
  // Trust anchors for the site's TLS server certificate (PEM paths; relative paths are
  // relative to assets/). Empty: the system's CA store.
  std::vector<std::string> tls_ca_files;
  // CA certificates (PEM paths) the site accepts for certificate login.
  std::vector<std::string> login_trust_anchors;
  // Minimum local signing component version per OS: "windows", "macos", "linux".
  std::map<std::string, std::string> min_localsign_version;
  // The host the local signing component must trust (its whiteList), e.g. the site host.
  std::string trusted_domain;
  std::string control_no_pattern;   // regex (ECMAScript) for 廢棄物管制編號
  PasswordPolicy password_policy;
  std::vector<std::string> unverified;  // keys whose values are not confirmed from a public source

  // Host part of base_url ("example.gov.tw"), port ("443") and scheme.
  std::string host() const;
  int port() const;
  std::string url(const std::string& endpoint) const;  // base_url + endpoints[endpoint]
};

// Loads a profile by path, or by name from assets/sites/<name>.json. Errors:
// SITE-PROFILE-MISSING, SITE-PROFILE-MALFORMED.
Expected<SiteProfile> load_site_profile(const std::string& path_or_name);
Expected<SiteProfile> parse_site_profile(const std::string& json_text, const std::string& base_dir);

// Compares dotted numeric versions ("1.3.4.103328"): <0, 0, >0. Non-numeric parts
// compare as 0.
int compare_versions(const std::string& a, const std::string& b);

}  // namespace certwiz

#pragma once
// Checks of the local signing component: running and new enough for the site, and
// what it sees (readers, card, certificates).
#include <optional>
#include <string>
#include <vector>

#include "checks/profile/site_profile.h"
#include "checks/core/check.h"
#include "checks/core/options.h"
#include "checks/localsign/client.h"

namespace certwiz::localsign {

// What localsign.service learned about the component (its model): the version it
// reports and the minimum the site asks of this OS (empty when the site names none).
struct ComponentState {
  std::string version;
  std::string os;
  std::optional<std::string> site_minimum;
  bool older_than_site = false;
};
Json to_json(const ComponentState& s);
// localsign.tokens carries the component's Pkcs11Info as its model; its evidence:
// {"library_description","library_version","server_version","slots":[...]}.
Json to_json(const Pkcs11Info& info);

std::vector<Check> localsign_checks(const RunOptions& options);

// "linux", "windows" or "macos": the key of SiteProfile::min_localsign_version.
std::string_view this_os();

CheckResult check_service(const Client& client, const SiteProfile* site);
CheckResult check_tokens(const Client& client);
// A failed ret_code as a result (cause and remedy from the catalogue).
CheckResult result_for_ret_code(uint32_t ret_code, int64_t last_error, Text context);

}  // namespace certwiz::localsign

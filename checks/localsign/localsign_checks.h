#pragma once
// Checks of the local signing component: running and new enough for the site, and
// what it sees (readers, card, certificates).
#include <vector>

#include "checks/profile/site_profile.h"
#include "checks/core/check.h"
#include "checks/core/options.h"
#include "checks/localsign/client.h"

namespace certwiz::localsign {

std::vector<Check> localsign_checks(const RunOptions& options);

// "linux", "windows" or "macos": the key of SiteProfile::min_localsign_version.
std::string_view this_os();

CheckResult check_service(const Client& client, const SiteProfile* site);
CheckResult check_tokens(const Client& client);
// A failed ret_code as a result (cause and remedy from the catalogue).
CheckResult result_for_ret_code(uint32_t ret_code, int64_t last_error, Text context);

}  // namespace certwiz::localsign

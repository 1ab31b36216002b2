#pragma once
// Network checks: proxy settings, DNS / connection / TLS to the site, and clock skew
// against the site's HTTPS Date header.
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "checks/profile/site_profile.h"
#include "checks/core/check.h"
#include "checks/core/options.h"

namespace certwiz::net {

std::vector<Check> network_checks(const RunOptions& options);

// The pieces, for tests and other front ends.
CheckResult check_proxy(const RunOptions& options, const SiteProfile* site);
CheckResult check_site_connection(const RunOptions& options, const SiteProfile& site, const CancelToken& cancel);
// Skew = local clock − server clock, from an HTTP Date header and the local time it arrived.
std::optional<long> clock_skew_seconds(const std::string& http_date, std::time_t local_now);
// What net.site learned of the server's clock (its model, when the site answered): the
// Date header, and the local time the request was sent.
struct SiteTime {
  std::string date_header;  // empty when the answer had none
  std::time_t local_time = 0;
};
// net.clock: from the SiteTime model of the net.site result.
CheckResult check_clock(const CheckResult* site_result);

}  // namespace certwiz::net

// Fallback for platforms without a specific environment probe: what the standard
// library knows.
#include <cstdlib>

#include "checks/report/environment.h"

namespace certwiz::report {

LocalIdentity local_identity() {
  LocalIdentity id;
  for (const char* var : {"USER", "USERNAME", "LOGNAME"})
    if (const char* v = std::getenv(var); v && *v) id.user_names.emplace_back(v);
  if (const char* h = std::getenv("COMPUTERNAME"); h && *h) id.host_names.emplace_back(h);
  return id;
}

Json system_facts() {
  Json f = Json::object();
  f["os"] = "unknown";
  if (const char* h = std::getenv("HOME")) f["home"] = h;
  return f;
}

}  // namespace certwiz::report

#pragma once
// The environment a run happened in (OS, kernel, architecture, locale, network
// interfaces, what the run was pointed at), for the report's "environment" object;
// and who and where "we" are, so redaction can remove the user's and host's names.
#include <string>
#include <vector>

#include "checks/core/options.h"
#include "checks/core/result.h"

namespace certwiz::report {

struct LocalIdentity {
  std::vector<std::string> user_names;  // login name, full name (GECOS)
  std::vector<std::string> host_names;  // host name and its first label
};

// Platform part (environment_linux.cpp / environment_generic.cpp).
LocalIdentity local_identity();
Json system_facts();

// system_facts() plus what the run was asked to use (module, site, language, whether a
// PIN was supplied — never the PIN).
Json environment_facts(const RunOptions& options);

}  // namespace certwiz::report

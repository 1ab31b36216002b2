#pragma once
// One run's results and the environment they were found in: the model that the
// JSON, HTML and ZIP reports serialise and the front ends show.
#include <map>
#include <string>
#include <vector>

#include "checks/core/result.h"

namespace certwiz {

inline constexpr int kReportSchemaVersion = 1;

struct Report {
  int schema_version = kReportSchemaVersion;
  std::string tool_version;
  std::string created_at;  // ISO 8601, UTC
  std::string command;     // "diagnose", "selftest", ...
  Lang lang = Lang::zh_TW;
  bool redacted = true;
  Json environment = Json::object();  // OS, architecture, locale, ...
  std::vector<CheckResult> results;
  // Check id → the ids it depends on (from the Check definitions), so a report can
  // tell a root failure from its consequences. Serialised per result as "depends_on".
  std::map<std::string, std::vector<std::string>> depends_on;

  Status overall() const;   // worst status over all results (pass when empty)
  size_t count(Status s) const;
};

// Exit code for the CLI: 0 all passed, 1 warnings, 2 failures.
int exit_code_for(const Report& r);

Json to_json(const Report& r);
// Throws nlohmann::json::exception when malformed or of an unknown schema version.
Report report_from_json(const Json& j);

std::string utc_now_iso8601();

}  // namespace certwiz

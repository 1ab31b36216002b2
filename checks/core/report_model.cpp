#include "checks/core/report_model.h"

#include <ctime>

#include "certwiz_version.h"
#include "checks/core/platform.h"

namespace certwiz {

Status Report::overall() const {
  Status s = Status::pass;
  for (const auto& r : results)
    if (r.status != Status::skipped) s = worst(s, r.status);  // a skipped check neither passes nor fails
  return s;
}

size_t Report::count(Status s) const {
  size_t n = 0;
  for (const auto& r : results) n += r.status == s;
  return n;
}

int exit_code_for(const Report& r) {
  switch (r.overall()) {
    case Status::fail: return 2;
    case Status::warn:
    case Status::unknown: return 1;
    default: return 0;
  }
}

Json to_json(const Report& r) {
  Json j;
  j["schema_version"] = r.schema_version;
  j["tool"] = Json{{"name", "certwiz"}, {"version", r.tool_version.empty() ? CERTWIZ_VERSION : r.tool_version}};
  j["created_at"] = r.created_at;
  j["command"] = r.command;
  j["lang"] = lang_tag(r.lang);
  j["redacted"] = r.redacted;
  j["overall"] = status_name(r.overall());
  Json counts = Json::object();
  for (Status s : {Status::pass, Status::warn, Status::fail, Status::skipped, Status::unknown})
    counts[std::string(status_name(s))] = r.count(s);
  j["counts"] = counts;
  j["environment"] = r.environment;
  Json results = Json::array();
  for (const auto& c : r.results) {
    Json rj = to_json(c);
    if (auto d = r.depends_on.find(c.id); d != r.depends_on.end()) rj["depends_on"] = d->second;
    results.push_back(std::move(rj));
  }
  j["results"] = results;
  return j;
}

Report report_from_json(const Json& j) {
  Report r;
  r.schema_version = j.at("schema_version").get<int>();
  if (r.schema_version != kReportSchemaVersion)
    throw nlohmann::json::other_error::create(502, "unsupported report schema version", &j);
  r.tool_version = j.at("tool").at("version").get<std::string>();
  r.created_at = j.at("created_at").get<std::string>();
  r.command = j.value("command", std::string{});
  r.lang = parse_lang(j.value("lang", std::string("zh_TW")));
  r.redacted = j.at("redacted").get<bool>();
  if (j.contains("environment")) r.environment = j["environment"];
  for (const auto& c : j.at("results")) {
    r.results.push_back(check_result_from_json(c));
    if (c.contains("depends_on")) r.depends_on[r.results.back().id] = c["depends_on"].get<std::vector<std::string>>();
  }
  return r;
}

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  const std::tm tm = utc_calendar(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace certwiz

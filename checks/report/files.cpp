#include "checks/report/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checks/core/platform.h"
#include "checks/core/secret.h"
#include "checks/report/bundle.h"
#include "checks/report/html.h"

namespace certwiz::report {

std::string report_json_text(const Report& r) {
  // Probes may hand over bytes that are not UTF-8 (device names, server answers):
  // replaced rather than failing the whole report.
  return to_json(r).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

PreparedReport prepare_report(const Report& r, const std::string& log_text, bool redact, RedactionOptions options) {
  PreparedReport p;
  Report clean = r;
  remove_secrets(clean);
  const std::string log = hide_url_credentials(log_text);
  if (redact) {
    Redactor redactor(std::move(options));
    p.report = redactor.redact(clean);
    p.log = redactor.scrub(log);
  } else {
    p.report = std::move(clean);
    p.report.redacted = false;
    p.log = log;
  }
  p.json = report_json_text(p.report);
  p.html = render_html(p.report);
  return p;
}

FileAccess file_access_for(const PreparedReport& p) {
  return p.report.redacted ? FileAccess::usual : FileAccess::owner_only;
}

std::optional<Error> write_file(const std::string& path, const std::string& data, FileAccess access) {
  return replace_file(path, access, [&data](std::FILE* f) -> std::string {
    if (std::fwrite(data.data(), 1, data.size(), f) != data.size()) return std::strerror(errno);
    return {};
  });
}

std::optional<Error> write_bundle(const std::string& path, const PreparedReport& p) {
  return write_zip(path, {{"report.json", p.json}, {"report.html", p.html}, {"certwiz.log", p.log}},
                   file_access_for(p));
}

std::optional<Error> check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target(path);
  if (fs::is_directory(target, ec)) return Error{"REPORT-WRITE-FAILED", path + ": is a folder, not a file name"};
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) return Error{"REPORT-WRITE-FAILED", path + ": folder " + dir.string() + " does not exist"};
  if (!may_write_in(dir.string())) return Error{"REPORT-WRITE-FAILED", path + ": " + std::strerror(errno)};
  return std::nullopt;
}

Expected<Report> parse_report_json(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error{"REPORT-FILE-INVALID", "not JSON"};
  if (!j.is_object() || !j.contains("schema_version") || !j.contains("results"))
    return Error{"REPORT-FILE-INVALID", "JSON without schema_version and results: not a CertWiz report"};
  if (!j["schema_version"].is_number_integer())
    return Error{"REPORT-FILE-INVALID", "schema_version is not an integer"};
  const auto version = j["schema_version"].get<long long>();
  if (version != kReportSchemaVersion)
    return Error{"REPORT-VERSION-UNSUPPORTED", "schema_version " + std::to_string(version) + "; this CertWiz reads " +
                                                   std::to_string(kReportSchemaVersion)};
  try {
    return report_from_json(j);
  } catch (const nlohmann::json::exception& e) {
    return Error{"REPORT-FILE-INVALID", e.what()};
  }
}

Expected<Report> read_report_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"REPORT-FILE-INVALID", path + ": " + std::strerror(errno)};
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) {
    auto entries = read_zip(path);
    if (!entries) return entries.error();
    for (const auto& e : *entries) {
      if (e.name != "report.json") continue;
      auto r = parse_report_json(e.data);
      if (!r) return Error{r.error().code, path + " (report.json): " + r.error().detail};
      return r;
    }
    return Error{"REPORT-FILE-INVALID", path + ": ZIP without report.json"};
  }
  // A report is a few hundred KB; anything far larger is not one (and is not read whole).
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(path, ec); !ec && size > (64u << 20))
    return Error{"REPORT-FILE-INVALID", path + ": " + std::to_string(size) + " bytes, too large for a report"};
  in.clear();
  in.seekg(0);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto r = parse_report_json(ss.str());
  if (!r) return Error{r.error().code, path + ": " + r.error().detail};
  return r;
}

}  // namespace certwiz::report

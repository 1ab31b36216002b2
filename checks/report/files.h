#pragma once
// The report files of one run, made from the engine's Report and the run's log:
// report.json (docs/report-schema.md), report.html and the ZIP bundle of both plus
// certwiz.log. Redaction is on unless the user turned it off, and then applies to
// every one of them alike.
#include <optional>
#include <string>

#include "checks/core/report_model.h"
#include "checks/report/redact.h"
#include "checks/report/replace_file.h"

namespace certwiz::report {

struct PreparedReport {
  Report report;     // redacted unless asked otherwise
  std::string json;  // report.json
  std::string html;  // report.html
  std::string log;   // certwiz.log
};

// `redact` false keeps personal data and marks every file as not redacted.
PreparedReport prepare_report(const Report& r, const std::string& log_text, bool redact,
                              RedactionOptions options = {});

// The JSON text of `r` as written to report.json (no redaction here).
std::string report_json_text(const Report& r);

// Who may read the files of `p`: the owner alone when it keeps personal data.
FileAccess file_access_for(const PreparedReport& p);

// Writes `data` to `path` via a temporary file renamed into place (replace_file.h);
// REPORT-WRITE-FAILED.
std::optional<Error> write_file(const std::string& path, const std::string& data,
                                FileAccess access = FileAccess::usual);
// report.json, report.html and certwiz.log in one ZIP, readable as file_access_for(p).
std::optional<Error> write_bundle(const std::string& path, const PreparedReport& p);

// Whether a report can be written at `path` (its folder exists and is writable), so a
// bad path is a usage error before minutes of checks, not a loss after them.
std::optional<Error> check_writable(const std::string& path);

// A report.json or a bundle, read back. REPORT-FILE-INVALID when it is not a CertWiz
// report, REPORT-VERSION-UNSUPPORTED for another schema version.
Expected<Report> read_report_file(const std::string& path);
Expected<Report> parse_report_json(const std::string& text);

}  // namespace certwiz::report

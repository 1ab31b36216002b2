#pragma once
// ZIP files of reports (libarchive): the bundle a user sends to a helpdesk.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "checks/report/replace_file.h"

namespace certwiz::report {

struct BundleEntry {
  std::string name;  // plain file name inside the ZIP, e.g. "report.json"
  std::string data;
};

// Writes `entries` as a new ZIP at `path` (via a temporary file, renamed into place:
// replace_file.h). REPORT-WRITE-FAILED on failure.
std::optional<Error> write_zip(const std::string& path, const std::vector<BundleEntry>& entries,
                               FileAccess access = FileAccess::usual);

// Every regular file of the ZIP at `path`; REPORT-FILE-INVALID when it is not a ZIP,
// holds an unsafe name or exceeds `max_total` bytes uncompressed.
Expected<std::vector<BundleEntry>> read_zip(const std::string& path, std::uint64_t max_total = 64u << 20);

}  // namespace certwiz::report

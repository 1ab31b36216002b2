#include "checks/report/bundle.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

namespace certwiz::report {
namespace {

struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

bool safe_name(const char* name) {
  if (!name || !*name || name[0] == '/' || std::strstr(name, "..") || std::strchr(name, '\\')) return false;
  return true;
}

}  // namespace

std::optional<Error> write_zip(const std::string& path, const std::vector<BundleEntry>& entries, FileAccess access) {
  return replace_file(path, access, [&entries](std::FILE* f) -> std::string {
    std::unique_ptr<archive, ArchiveWriteFree> a(archive_write_new());
    if (!a) return "out of memory";
    auto why = [&a](const char* fallback) {
      return std::string(archive_error_string(a.get()) ? archive_error_string(a.get()) : fallback);
    };
    if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK) return why("no ZIP format");
    if (archive_write_open_FILE(a.get(), f) != ARCHIVE_OK) return why("cannot open");
    const std::time_t now = std::time(nullptr);
    for (const auto& e : entries) {
      std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
      archive_entry_set_pathname_utf8(entry.get(), e.name.c_str());
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.data.size()));
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0644);
      archive_entry_set_mtime(entry.get(), now, 0);
      if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK ||
          archive_write_data(a.get(), e.data.data(), e.data.size()) != static_cast<la_ssize_t>(e.data.size())) {
        const std::string w = why("write failed");
        archive_write_close(a.get());
        return w;
      }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) return why("close failed");
    return {};
  });
}

Expected<std::vector<BundleEntry>> read_zip(const std::string& path, std::uint64_t max_total) {
  std::unique_ptr<archive, ArchiveReadFree> a(archive_read_new());
  if (!a) return Error{"REPORT-FILE-INVALID", "out of memory"};
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 16384) != ARCHIVE_OK)
    return Error{"REPORT-FILE-INVALID", path + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot open")};
  std::vector<BundleEntry> out;
  std::uint64_t total = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return Error{"REPORT-FILE-INVALID", path + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "not a ZIP file")};
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* name = archive_entry_pathname_utf8(entry);
    if (!name) name = archive_entry_pathname(entry);
    // A bundle holds flat file names; anything else was not made by CertWiz.
    if (!safe_name(name)) return Error{"REPORT-FILE-INVALID", path + ": unsafe entry name in ZIP"};
    BundleEntry e{name, {}};
    char buf[16384];
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n == 0) break;
      if (n < 0)
        return Error{"REPORT-FILE-INVALID", path + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "damaged ZIP entry")};
      total += static_cast<std::uint64_t>(n);
      if (total > max_total) return Error{"REPORT-FILE-INVALID", path + ": ZIP content larger than expected"};
      e.data.append(buf, static_cast<size_t>(n));
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace certwiz::report

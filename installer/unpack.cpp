#include "installer/unpack.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "installer/disk_full.h"
#include "installer/workdir.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {

std::vector<std::string_view> split_components(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '/' || s[i] == '\\') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

bool has_drive_letter(std::string_view s) {
  return s.size() >= 2 && s[1] == ':' && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'));
}

// Lexical normalisation of components; false when it climbs above the root.
bool normalise(const std::vector<std::string_view>& parts, std::vector<std::string_view>& out) {
  for (auto p : parts) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (out.empty()) return false;
      out.pop_back();
      continue;
    }
    out.push_back(p);
  }
  return true;
}

std::string join(const std::vector<std::string_view>& parts) {
  std::string s;
  for (auto p : parts) {
    if (!s.empty()) s += '/';
    s += p;
  }
  return s;
}

Error write_error(struct archive* aw, const std::string& name) {
  const int err = archive_errno(aw);
  const char* msg = archive_error_string(aw);
  std::string detail = name + ": " + (msg ? msg : std::strerror(err));
  if (is_disk_full(err)) return Error{"INSTALL-DISK-FULL", detail};
  const std::string m = msg ? msg : "";
  if (m.find("symlink") != std::string::npos) return Error{"INSTALL-ARCHIVE-LINK-ESCAPE", detail};
  if (m.find("..") != std::string::npos) return Error{"INSTALL-ARCHIVE-PATH-TRAVERSAL", detail};
  if (m.find("bsolute") != std::string::npos) return Error{"INSTALL-ARCHIVE-ABSOLUTE-PATH", detail};
  return Error{"INSTALL-WRITE-FAILED", detail};
}

struct ArchiveReader {
  struct archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};
struct DiskWriter {
  struct archive* a = archive_write_disk_new();
  ~DiskWriter() { archive_write_free(a); }
};

std::optional<Error> unpack_here(const std::string& archive_path, std::uint64_t archive_size,
                                 const UnpackLimits& limits, const CancelToken& cancel, UnpackResult& result) {
  ArchiveReader r;
  archive_read_support_format_zip(r.a);
  archive_read_support_format_tar(r.a);
  archive_read_support_format_gnutar(r.a);
  archive_read_support_filter_all(r.a);
  // ZIP names without the UTF-8 flag are Big5/CP950 in Taiwanese packages; names with
  // the flag are still read as UTF-8. Needs the UTF-8 LC_CTYPE set by run_in_directory.
  if (archive_read_set_options(r.a, "zip:hdrcharset=CP950") < ARCHIVE_WARN)
    return Error{"INSTALL-ARCHIVE-CORRUPT", std::string("zip:hdrcharset=CP950: ") + archive_error_string(r.a)};
  if (archive_read_open_filename(r.a, archive_path.c_str(), 64 * 1024) != ARCHIVE_OK)
    return Error{"INSTALL-ARCHIVE-CORRUPT", archive_path + ": " + archive_error_string(r.a)};

  DiskWriter w;
  archive_write_disk_set_options(w.a, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  archive_write_disk_set_standard_lookup(w.a);

  const std::uint64_t ratio_cap =
      std::max<std::uint64_t>(limits.ratio_grace_bytes,
                              static_cast<std::uint64_t>(limits.max_ratio * static_cast<double>(archive_size)));
  struct archive_entry* e = nullptr;
  while (true) {
    if (cancel.cancelled()) return Error{"INSTALL-CANCELLED", "while unpacking"};
    const int rc = archive_read_next_header(r.a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      const char* msg = archive_error_string(r.a);
      return Error{"INSTALL-ARCHIVE-CORRUPT", msg ? msg : "unreadable entry"};
    }
    if (++result.entries > limits.max_entries)
      return Error{"INSTALL-ARCHIVE-TOO-MANY-ENTRIES", "more than " + std::to_string(limits.max_entries) + " entries"};
    const char* raw = archive_entry_pathname(e);
    if (raw == nullptr) {
      const char* msg = archive_error_string(r.a);
      return Error{"INSTALL-ARCHIVE-BAD-NAME",
                   "entry " + std::to_string(result.entries) + ": " + (msg ? msg : "name cannot be decoded")};
    }
    auto rel = sanitize_entry_path(raw);
    if (!rel) return rel.error();
    if (rel->empty()) continue;  // "./" or "/" alone: the root itself

    const auto type = archive_entry_filetype(e);
    if (const char* hard = archive_entry_hardlink(e)) {
      auto target = sanitize_entry_path(hard);
      if (!target || target->empty())
        return Error{"INSTALL-ARCHIVE-LINK-ESCAPE", *rel + " => " + hard};
      archive_entry_set_hardlink(e, target->c_str());
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      if (!target || !link_stays_inside(*rel, target))
        return Error{"INSTALL-ARCHIVE-LINK-ESCAPE", *rel + " -> " + (target ? target : "(none)")};
    } else if (type != AE_IFREG && type != AE_IFDIR) {
      return Error{"INSTALL-ARCHIVE-SPECIAL-FILE", *rel + " (type 0" + std::to_string(type >> 12) + ")"};
    }
    archive_entry_set_pathname(e, rel->c_str());
    // No set-uid/set-gid/sticky bits; directories stay writable for us.
    auto perm = archive_entry_perm(e) & 0777;
    if (type == AE_IFDIR) perm |= 0700;
    archive_entry_set_perm(e, perm);

    if (archive_write_header(w.a, e) < ARCHIVE_WARN) return write_error(w.a, *rel);
    if (type == AE_IFDIR) result.dirs.push_back(*rel);
    else result.files.push_back(*rel);

    if (type == AE_IFREG && !archive_entry_hardlink(e)) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while (true) {
        const int d = archive_read_data_block(r.a, &buf, &size, &offset);
        if (d == ARCHIVE_EOF) break;
        if (d < ARCHIVE_WARN) {
          const char* msg = archive_error_string(r.a);
          return Error{"INSTALL-ARCHIVE-CORRUPT", *rel + ": " + (msg ? msg : "unreadable data")};
        }
        result.total_bytes += size;
        if (result.total_bytes > limits.max_total_bytes)
          return Error{"INSTALL-ARCHIVE-TOO-LARGE",
                       "unpacked size passed " + std::to_string(limits.max_total_bytes) + " bytes at " + *rel};
        if (result.total_bytes > ratio_cap)
          return Error{"INSTALL-ARCHIVE-BOMB", "unpacked " + std::to_string(result.total_bytes) + " bytes from a " +
                                                   std::to_string(archive_size) + "-byte archive (limit ratio " +
                                                   std::to_string(static_cast<int>(limits.max_ratio)) + ") at " + *rel};
        if (cancel.cancelled()) return Error{"INSTALL-CANCELLED", "while unpacking " + *rel};
        if (archive_write_data_block(w.a, buf, size, offset) < ARCHIVE_OK) return write_error(w.a, *rel);
      }
    }
    if (archive_write_finish_entry(w.a) < ARCHIVE_WARN) return write_error(w.a, *rel);
  }
  if (archive_write_close(w.a) < ARCHIVE_WARN) return write_error(w.a, "(close)");
  return std::nullopt;
}

// After unpacking: every symbolic link must resolve inside the root on disk too
// (the lexical check cannot see a chain of links).
std::optional<Error> check_links_on_disk(const std::string& dest_dir) {
  std::error_code ec;
  const fs::path root = fs::canonical(dest_dir, ec);
  if (ec) return Error{"INSTALL-WRITE-FAILED", dest_dir + ": " + ec.message()};
  const std::string prefix = root.string() + "/";
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink(ec)) continue;
    const fs::path resolved = fs::weakly_canonical(it->path(), ec);
    if (ec) return Error{"INSTALL-ARCHIVE-LINK-ESCAPE", it->path().string() + ": " + ec.message()};
    const std::string s = resolved.string();
    if (s != root.string() && s.compare(0, prefix.size(), prefix) != 0)
      return Error{"INSTALL-ARCHIVE-LINK-ESCAPE", it->path().string() + " resolves to " + s};
  }
  return std::nullopt;
}

}  // namespace

Json UnpackResult::evidence() const {
  return Json{{"entries", entries}, {"files", files.size()}, {"dirs", dirs.size()}, {"unpacked_bytes", total_bytes}};
}

Expected<std::string> sanitize_entry_path(std::string_view name) {
  if (name.empty()) return Error{"INSTALL-ARCHIVE-BAD-NAME", "empty entry name"};
  if (name.find('\0') != std::string_view::npos) return Error{"INSTALL-ARCHIVE-BAD-NAME", "NUL in entry name"};
  if (name[0] == '/' || name[0] == '\\' || has_drive_letter(name))
    return Error{"INSTALL-ARCHIVE-ABSOLUTE-PATH", std::string(name)};
  const auto parts = split_components(name);
  for (auto p : parts) {
    if (p == "..") return Error{"INSTALL-ARCHIVE-PATH-TRAVERSAL", std::string(name)};
    if (p.find(':') != std::string_view::npos && has_drive_letter(p))
      return Error{"INSTALL-ARCHIVE-ABSOLUTE-PATH", std::string(name)};
  }
  std::vector<std::string_view> out;
  normalise(parts, out);
  return join(out);
}

bool link_stays_inside(std::string_view entry_path, std::string_view target) {
  if (target.empty() || target[0] == '/' || target[0] == '\\' || has_drive_letter(target)) return false;
  auto parts = split_components(entry_path);
  parts.pop_back();  // the link's own name: targets are relative to its directory
  for (auto p : split_components(target)) parts.push_back(p);
  std::vector<std::string_view> out;
  return normalise(parts, out);
}

Expected<UnpackResult> unpack_archive(const std::string& archive_path, const std::string& dest_dir,
                                      const UnpackLimits& limits, const CancelToken& cancel) {
  std::error_code ec;
  const std::uint64_t archive_size = fs::file_size(archive_path, ec);
  if (ec) return Error{"INSTALL-ARCHIVE-CORRUPT", archive_path + ": " + ec.message()};
  const std::string absolute_archive = fs::absolute(archive_path, ec).string();
  UnpackResult result;
  std::optional<Error> err;
  std::string dir_error;
  if (!run_in_directory(dest_dir, [&] { err = unpack_here(absolute_archive, archive_size, limits, cancel, result); },
                        dir_error))
    return Error{"INSTALL-WRITE-FAILED", dir_error};
  if (err) return *err;
  if (auto link_err = check_links_on_disk(dest_dir)) return *link_err;
  return result;
}

}  // namespace certwiz::installer

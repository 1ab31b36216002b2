#pragma once
// Safe unpacking of ZIP and tar.gz packages with libarchive. Every entry name is
// decoded first (Big5/CP950 ZIP names without the UTF-8 flag: their second bytes can
// be 0x5C, so separators are looked for only after decoding), then checked: no
// absolute paths or drive letters, no '..', no links out of the target, no device
// files or FIFOs; entry count, total size and compression ratio are capped against
// zip bombs; archive_write_disk's SECURE_* flags are set too.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/cancel.h"
#include "checks/core/result.h"

namespace certwiz::installer {

struct UnpackLimits {
  std::uint64_t max_total_bytes = std::uint64_t{1} << 30;  // unpacked size
  std::uint64_t max_entries = 20000;
  double max_ratio = 100;                                   // unpacked bytes / archive bytes
  std::uint64_t ratio_grace_bytes = std::uint64_t{1} << 20; // small packages are not judged by ratio
};

struct UnpackResult {
  std::vector<std::string> files;  // relative paths of regular files and links, in archive order
  std::vector<std::string> dirs;   // relative paths of directories created
  std::uint64_t total_bytes = 0;
  std::uint64_t entries = 0;
  Json evidence() const;
};

// Unpacks `archive_path` (ZIP or tar with any libarchive filter) into the existing
// directory `dest_dir`. On an error the caller removes dest_dir (it is a staging dir).
Expected<UnpackResult> unpack_archive(const std::string& archive_path, const std::string& dest_dir,
                                      const UnpackLimits& limits = {}, const CancelToken& cancel = {});

// One entry name (already decoded to UTF-8) → a normalised relative path ("a/b"),
// "" for the root itself; INSTALL-ARCHIVE-ABSOLUTE-PATH / -PATH-TRAVERSAL / -BAD-NAME.
// Backslashes count as separators (Windows-made ZIPs use them).
Expected<std::string> sanitize_entry_path(std::string_view name);

// Whether a symbolic link at `entry_path` with `target` stays inside the root.
bool link_stays_inside(std::string_view entry_path, std::string_view target);

}  // namespace certwiz::installer

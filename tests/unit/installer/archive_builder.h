#pragma once
// Test packages made with libarchive at test time: normal ones and hostile ones
// (traversal, absolute paths, escaping links, device files, bombs, Big5 names).
#include <sys/types.h>

#include <string>
#include <vector>

namespace certwiz::installer::testing {

struct ArchiveItem {
  enum class Kind { file, dir, symlink, hardlink, chardev, fifo };
  Kind kind = Kind::file;
  std::string name;   // UTF-8 (written as CP950 when the ZIP's hdrcharset says so)
  std::string data;   // file contents
  std::string link;   // symlink or hardlink target
  mode_t perm = 0644;
  size_t zeros = 0;   // appended zero bytes (bomb material), streamed, not held in memory
};

enum class ArchiveFormat { tar_gz, zip };

// Writes the archive to `path`; throws std::runtime_error with libarchive's message.
// `zip_hdrcharset` ("CP950") writes ZIP names in that charset without the UTF-8 flag.
void write_archive(const std::string& path, ArchiveFormat format, const std::vector<ArchiveItem>& items,
                   const std::string& zip_hdrcharset = {});

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes, mode_t mode = 0644);
std::string sha256_hex(const std::string& bytes);

// A fresh directory under $TMPDIR, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Every entry under `root` (relative path → "f:<sha256>", "l:<target>" or "d"), for
// asserting that a failure left a tree exactly as it was.
std::vector<std::pair<std::string, std::string>> snapshot_tree(const std::string& root);

}  // namespace certwiz::installer::testing

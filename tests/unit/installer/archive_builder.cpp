#include "tests/unit/installer/archive_builder.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace certwiz::installer::testing {
namespace fs = std::filesystem;

void write_archive(const std::string& path, ArchiveFormat format, const std::vector<ArchiveItem>& items,
                   const std::string& zip_hdrcharset) {
  // Name conversion to CP950 needs a UTF-8 locale on this thread.
  locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  locale_t before = uselocale(utf8);
  struct archive* a = archive_write_new();
  auto check = [&](int rc, const char* what) {
    if (rc < ARCHIVE_WARN) {
      std::string msg = std::string(what) + ": " + (archive_error_string(a) ? archive_error_string(a) : "?");
      archive_write_free(a);
      uselocale(before);
      freelocale(utf8);
      throw std::runtime_error(msg);
    }
  };
  if (format == ArchiveFormat::zip) {
    check(archive_write_set_format_zip(a), "zip");
    if (!zip_hdrcharset.empty()) check(archive_write_set_options(a, ("zip:hdrcharset=" + zip_hdrcharset).c_str()), "hdrcharset");
  } else {
    check(archive_write_set_format_pax_restricted(a), "pax");
    check(archive_write_add_filter_gzip(a), "gzip");
  }
  check(archive_write_open_filename(a, path.c_str()), "open");
  const std::string zeros(1 << 16, '\0');
  for (const auto& it : items) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, it.name.c_str());
    archive_entry_set_perm(e, it.perm);
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (it.kind) {
      case ArchiveItem::Kind::file:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(it.data.size() + it.zeros));
        break;
      case ArchiveItem::Kind::dir:
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        break;
      case ArchiveItem::Kind::symlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, it.link.c_str());
        break;
      case ArchiveItem::Kind::hardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, it.link.c_str());
        archive_entry_set_size(e, 0);
        break;
      case ArchiveItem::Kind::chardev:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdev(e, makedev(1, 3));
        break;
      case ArchiveItem::Kind::fifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
    }
    const int rc = archive_write_header(a, e);
    archive_entry_free(e);
    check(rc, ("header " + it.name).c_str());
    if (it.kind == ArchiveItem::Kind::file) {
      if (!it.data.empty()) check(static_cast<int>(archive_write_data(a, it.data.data(), it.data.size()) < 0 ? ARCHIVE_FATAL : ARCHIVE_OK), "data");
      for (size_t left = it.zeros; left > 0;) {
        const size_t n = std::min(left, zeros.size());
        check(archive_write_data(a, zeros.data(), n) < 0 ? ARCHIVE_FATAL : ARCHIVE_OK, "zeros");
        left -= n;
      }
    }
  }
  check(archive_write_close(a), "close");
  archive_write_free(a);
  uselocale(before);
  freelocale(utf8);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& bytes, mode_t mode) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
  f.close();
  chmod(path.c_str(), mode);
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += d[md[i] >> 4];
    s += d[md[i] & 15];
  }
  return s;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string t = std::string(base && *base ? base : "/tmp") + "/certwiz-installer-test-XXXXXX";
  if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
  path_ = t;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Directories made read-only by a test are made writable again first.
  for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

std::vector<std::pair<std::string, std::string>> snapshot_tree(const std::string& root) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = it->path().lexically_relative(root).string();
    if (it->is_symlink(ec)) out.emplace_back(rel, "l:" + fs::read_symlink(it->path(), ec).string());
    else if (it->is_directory(ec)) out.emplace_back(rel, "d");
    else out.emplace_back(rel, "f:" + sha256_hex(read_file(it->path().string())));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace certwiz::installer::testing

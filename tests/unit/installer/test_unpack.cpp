#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "installer/unpack.h"
#include "tests/unit/installer/archive_builder.h"

using namespace certwiz;
using namespace certwiz::installer;
using namespace certwiz::installer::testing;
namespace fs = std::filesystem;
using K = ArchiveItem::Kind;

namespace {

struct Unpacked {
  Expected<UnpackResult> result;
  std::vector<std::pair<std::string, std::string>> outside_before, outside_after;
};

// Unpacks into <tmp>/root/dest and records everything under <tmp>/root so a test can
// prove nothing was written beside or above the destination.
class UnpackTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string archive = tmp / "pkg";
  std::string root = tmp / "root";
  std::string dest = tmp / "root/dest";
  void SetUp() override {
    fs::create_directories(dest);
    write_file(tmp / "root/sentinel.txt", "do not touch");
  }
  Expected<UnpackResult> unpack(ArchiveFormat f, const std::vector<ArchiveItem>& items, UnpackLimits limits = {},
                                const std::string& charset = {}) {
    write_archive(archive, f, items, charset);
    const auto before = snapshot_tree(tmp.path());
    auto r = unpack_archive(archive, dest, limits);
    if (!r) {
      // Whatever the verdict, nothing outside dest may have changed.
      auto after = snapshot_tree(tmp.path());
      std::erase_if(after, [](const auto& e) { return e.first.rfind("root/dest/", 0) == 0; });
      auto before_outside = before;
      std::erase_if(before_outside, [](const auto& e) { return e.first.rfind("root/dest/", 0) == 0; });
      EXPECT_EQ(before_outside, after) << "a rejected archive changed files outside the destination";
    }
    return r;
  }
  void expect_code(const Expected<UnpackResult>& r, const char* code) {
    ASSERT_FALSE(r) << "expected " << code;
    EXPECT_EQ(r.error().code, code) << r.error().detail;
  }
};

}  // namespace

TEST(EntryNames, SanitizeNormalisesOrRejects) {
  EXPECT_EQ(*sanitize_entry_path("a/b/c.txt"), "a/b/c.txt");
  EXPECT_EQ(*sanitize_entry_path("./a//b/./c"), "a/b/c");
  EXPECT_EQ(*sanitize_entry_path("dir\\file.dll"), "dir/file.dll");
  EXPECT_EQ(*sanitize_entry_path("./"), "");
  for (const char* n : {"/etc/passwd", "\\windows\\x", "C:/x", "c:\\x", "D:x"})
    EXPECT_EQ(sanitize_entry_path(n).error().code, "INSTALL-ARCHIVE-ABSOLUTE-PATH") << n;
  for (const char* n : {"../x", "a/../../x", "a/..", "..", "a\\..\\..\\x", "a/b/../c"})
    EXPECT_EQ(sanitize_entry_path(n).error().code, "INSTALL-ARCHIVE-PATH-TRAVERSAL") << n;
  EXPECT_EQ(sanitize_entry_path("").error().code, "INSTALL-ARCHIVE-BAD-NAME");
}

TEST(EntryNames, LinksMustStayInside) {
  EXPECT_TRUE(link_stays_inside("lib/libx.so", "libx.so.1"));
  EXPECT_TRUE(link_stays_inside("lib/sub/l", "../other/x"));
  EXPECT_TRUE(link_stays_inside("l", "."));
  EXPECT_FALSE(link_stays_inside("l", ".."));
  EXPECT_FALSE(link_stays_inside("lib/l", "../../etc/passwd"));
  EXPECT_FALSE(link_stays_inside("l", "/etc/passwd"));
  EXPECT_FALSE(link_stays_inside("l", "C:\\Windows"));
  EXPECT_FALSE(link_stays_inside("l", ""));
}

TEST_F(UnpackTest, NormalTarGzUnpacksFilesDirsAndInsideLinks) {
  auto r = unpack(ArchiveFormat::tar_gz,
                  {{K::dir, "HiPKILocalSignServerApp/"},
                   {K::file, "HiPKILocalSignServerApp/start.sh", "#!/bin/sh\necho hi\n", "", 0755},
                   {K::file, "HiPKILocalSignServerApp/lib/libHicos_p11v1.so.1", "ELF-ish"},
                   {K::symlink, "HiPKILocalSignServerApp/lib/libHicos_p11v1.so", "", "libHicos_p11v1.so.1"},
                   {K::hardlink, "HiPKILocalSignServerApp/start-copy.sh", "", "HiPKILocalSignServerApp/start.sh"}});
  ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
  EXPECT_EQ(read_file(dest + "/HiPKILocalSignServerApp/start.sh"), "#!/bin/sh\necho hi\n");
  EXPECT_TRUE(fs::status(dest + "/HiPKILocalSignServerApp/start.sh").permissions() == fs::perms(0755) ||
              (fs::status(dest + "/HiPKILocalSignServerApp/start.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
  EXPECT_EQ(fs::read_symlink(dest + "/HiPKILocalSignServerApp/lib/libHicos_p11v1.so"), "libHicos_p11v1.so.1");
  EXPECT_EQ(read_file(dest + "/HiPKILocalSignServerApp/start-copy.sh"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(r->entries, 5u);
  EXPECT_EQ(read_file(root + "/sentinel.txt"), "do not touch");
}

TEST_F(UnpackTest, NormalZipUnpacks) {
  auto r = unpack(ArchiveFormat::zip, {{K::file, "HiCOS_Client.exe", std::string(5000, 'x')}, {K::file, "doc/readme.txt", "hello"}});
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(read_file(dest + "/doc/readme.txt"), "hello");
  EXPECT_EQ(r->total_bytes, 5005u);
}

TEST_F(UnpackTest, DotDotEntryIsRejected) {
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::file, "ok.txt", "x"}, {K::file, "../evil.txt", "pwned"}}),
              "INSTALL-ARCHIVE-PATH-TRAVERSAL");
  EXPECT_FALSE(fs::exists(root + "/evil.txt"));
  expect_code(unpack(ArchiveFormat::zip, {{K::file, "a/../../evil.txt", "pwned"}}), "INSTALL-ARCHIVE-PATH-TRAVERSAL");
  EXPECT_FALSE(fs::exists(root + "/evil.txt"));
}

TEST_F(UnpackTest, AbsolutePathIsRejected) {
  const std::string abs = root + "/abs-evil.txt";
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::file, abs, "pwned"}}), "INSTALL-ARCHIVE-ABSOLUTE-PATH");
  EXPECT_FALSE(fs::exists(abs));
  expect_code(unpack(ArchiveFormat::zip, {{K::file, "C:\\Windows\\evil.dll", "pwned"}}), "INSTALL-ARCHIVE-ABSOLUTE-PATH");
}

TEST_F(UnpackTest, LinkEscapingTheTargetIsRejected) {
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::symlink, "lib/escape", "", "../../sentinel.txt"}}),
              "INSTALL-ARCHIVE-LINK-ESCAPE");
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::symlink, "etc", "", "/etc"}, {K::file, "etc/evil.conf", "x"}}),
              "INSTALL-ARCHIVE-LINK-ESCAPE");
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::hardlink, "passwd", "", "../sentinel.txt"}}),
              "INSTALL-ARCHIVE-LINK-ESCAPE");
  // A chain of individually harmless links that leads out is caught on disk.
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::symlink, "here", "", "."}, {K::symlink, "up", "", "here/.."}}),
              "INSTALL-ARCHIVE-LINK-ESCAPE");
  EXPECT_EQ(read_file(root + "/sentinel.txt"), "do not touch");
}

TEST_F(UnpackTest, DeviceFilesAndFifosAreRejected) {
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::chardev, "dev/null"}}), "INSTALL-ARCHIVE-SPECIAL-FILE");
  EXPECT_FALSE(fs::exists(dest + "/dev/null"));
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::fifo, "pipe"}}), "INSTALL-ARCHIVE-SPECIAL-FILE");
  EXPECT_FALSE(fs::exists(dest + "/pipe"));
}

TEST_F(UnpackTest, ZipBombIsStoppedBeforeItIsWritten) {
  ArchiveItem bomb{K::file, "bomb.bin"};
  bomb.zeros = 64u << 20;  // 64 MiB of zeros deflate to ~64 KiB
  auto r = unpack(ArchiveFormat::zip, {bomb});
  expect_code(r, "INSTALL-ARCHIVE-BOMB");
  EXPECT_LT(fs::file_size(archive), 1u << 20);
  // Stopped near the ratio cap (100 x ~64 KiB), far from the full 64 MiB. libarchive may
  // extend the abandoned file sparsely to its declared size, so count allocated blocks.
  struct stat st {};
  if (::stat((dest + "/bomb.bin").c_str(), &st) == 0) {
    EXPECT_LT(static_cast<std::uint64_t>(st.st_blocks) * 512, 16u << 20);
  }
}

TEST_F(UnpackTest, TotalSizeAndEntryCountAreCapped) {
  UnpackLimits small;
  small.max_total_bytes = 1000;
  expect_code(unpack(ArchiveFormat::tar_gz, {{K::file, "a", std::string(600, 'a')}, {K::file, "b", std::string(600, 'b')}}, small),
              "INSTALL-ARCHIVE-TOO-LARGE");
  UnpackLimits few;
  few.max_entries = 10;
  std::vector<ArchiveItem> many;
  for (int i = 0; i < 20; ++i) many.push_back({K::file, "f" + std::to_string(i), "x"});
  expect_code(unpack(ArchiveFormat::zip, many, few), "INSTALL-ARCHIVE-TOO-MANY-ENTRIES");
}

TEST_F(UnpackTest, Big5ZipNamesWithBackslashSecondBytesDecodeToUtf8) {
  // 許 B3 5C, 功 A5 5C, 蓋 BB 5C: each Big5 second byte is the backslash.
  const std::string dir = "許功蓋";
  auto r = unpack(ArchiveFormat::zip, {{K::file, dir + "/說明.txt", "big5 named"}, {K::file, "蓋章.pdf", "pdf"}}, {}, "CP950");
  // The archive really holds raw Big5 bytes and no UTF-8 flag (bit 11) in its headers.
  const std::string raw = read_file(archive);
  EXPECT_NE(raw.find("\xB3\x5C\xA5\x5C\xBB\x5C/"), std::string::npos) << "the test ZIP does not hold Big5 names";
  EXPECT_EQ(raw.find(dir), std::string::npos) << "the test ZIP holds UTF-8 names";
  const auto local_header = raw.find("PK\x03\x04");
  ASSERT_NE(local_header, std::string::npos);
  EXPECT_EQ(static_cast<unsigned char>(raw[local_header + 7]) & 0x08, 0) << "UTF-8 flag set";
  ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
  EXPECT_EQ(read_file(dest + "/" + dir + "/說明.txt"), "big5 named");
  EXPECT_EQ(read_file(dest + "/蓋章.pdf"), "pdf");
  // No stray names split at 0x5C.
  for (const auto& e : fs::directory_iterator(dest)) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n == dir || n == "蓋章.pdf") << n;
  }
}

TEST_F(UnpackTest, CorruptArchiveIsReported) {
  write_file(archive, "PK\x03\x04 this is not really a zip file at all");
  auto r = unpack_archive(archive, dest);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "INSTALL-ARCHIVE-CORRUPT");
}

TEST_F(UnpackTest, CancelledBeforeStartStopsAtOnce) {
  write_archive(archive, ArchiveFormat::tar_gz, {{K::file, "a", "x"}});
  CancelToken cancel;
  cancel.cancel();
  auto r = unpack_archive(archive, dest, {}, cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "INSTALL-CANCELLED");
  EXPECT_FALSE(fs::exists(dest + "/a"));
}

TEST_F(UnpackTest, FileSizeLimitMeansDiskFull) {
  // A child with RLIMIT_FSIZE (SIGXFSZ ignored) gets EFBIG like a full disk would give ENOSPC.
  write_archive(archive, ArchiveFormat::tar_gz, {{K::file, "big.bin", std::string(300000, 'q')}});
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    rlimit lim{100000, 100000};
    setrlimit(RLIMIT_FSIZE, &lim);
    auto r = unpack_archive(archive, dest);
    _exit(!r && r.error().code == "INSTALL-DISK-FULL" ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child did not report INSTALL-DISK-FULL";
}

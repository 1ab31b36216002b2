// Competing smart-card daemons from a fixture /proc tree; pcscd version from dpkg status.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "checks/pcsc/host_service.h"

namespace certwiz::pcsc {
namespace {

namespace fs = std::filesystem;

class ProcTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("certwiz-proc-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "self" / "ns");
    fs::create_symlink("mnt:[4026531841]", root_ / "self" / "ns" / "mnt");
  }
  void TearDown() override { fs::remove_all(root_); }
  void proc(int pid, const std::string& comm, const std::string& mnt_ns = "mnt:[4026531841]") {
    const fs::path p = root_ / std::to_string(pid);
    fs::create_directories(p / "ns");
    std::ofstream(p / "comm") << comm << "\n";
    if (!mnt_ns.empty()) fs::create_symlink(mnt_ns, p / "ns" / "mnt");
  }
  fs::path root_;
};

TEST_F(ProcTree, OnePcscdIsFine) {
  proc(1, "init");
  proc(412, "pcscd");
  const auto d = scan_smartcard_daemons(root_.string());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].pid, 412);
  EXPECT_EQ(d[0].role, "pcscd");
  EXPECT_TRUE(d[0].same_namespace);
  EXPECT_EQ(competing_daemons(d), "");
}

TEST_F(ProcTree, TwoPcscdInOurNamespaceCompete) {
  proc(412, "pcscd");
  proc(977, "pcscd");
  EXPECT_EQ(competing_daemons(scan_smartcard_daemons(root_.string())), "2 pcscd processes: 412, 977");
}

TEST_F(ProcTree, ZombiePcscdDoesNotCompete) {
  proc(412, "pcscd");
  proc(977, "pcscd");
  std::ofstream(root_ / "412" / "stat") << "412 (pcscd) Z 1 412 412 0 -1 4194564\n";
  std::ofstream(root_ / "977" / "stat") << "977 (pcscd) S 1 977 977 0 -1 4194560\n";
  const auto d = scan_smartcard_daemons(root_.string());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].pid, 977);
  EXPECT_EQ(competing_daemons(d), "");
}

TEST_F(ProcTree, PcscdInAnotherNamespaceDoesNotCompete) {
  proc(412, "pcscd");
  proc(977, "pcscd", "mnt:[4026532999]");  // a container's or another lab's pcscd
  const auto d = scan_smartcard_daemons(root_.string());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_FALSE(d[1].same_namespace);
  EXPECT_EQ(competing_daemons(d), "");
}

TEST_F(ProcTree, OpenCtIsACompetitor) {
  proc(412, "pcscd");
  proc(500, "ifdhandler", "");  // unreadable namespace counts as ours
  proc(600, "bash");
  EXPECT_EQ(competing_daemons(scan_smartcard_daemons(root_.string())), "OpenCT processes: 500");
}

TEST(DpkgStatus, FindsTheInstalledVersionOnly) {
  const std::string status =
      "Package: libpcsclite1\nStatus: install ok installed\nVersion: 1.9.9-2\n\n"
      "Package: pcscd\r\nStatus: install ok installed\r\nPriority: optional\r\nVersion: 1.9.9-2\r\n\r\n"
      "Package: openct\nStatus: deinstall ok config-files\nVersion: 0.6.20-1.2\n";
  EXPECT_EQ(dpkg_package_version(status, "pcscd"), "1.9.9-2");
  EXPECT_EQ(dpkg_package_version(status, "openct"), "");
  EXPECT_EQ(dpkg_package_version(status, "pcsc-tools"), "");
  EXPECT_EQ(dpkg_package_version("Package: pcscd\nStatus: install ok installed\nVersion: 2.0.0-1", "pcscd"), "2.0.0-1");
}

}  // namespace
}  // namespace certwiz::pcsc

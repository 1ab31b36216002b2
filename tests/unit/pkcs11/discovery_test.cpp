#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "checks/pkcs11/discovery.h"

namespace certwiz::pkcs11 {
namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char t[] = "/tmp/certwiz-discovery-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path); }
  void touch(const fs::path& rel) {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << "x";
  }
};

TEST(Discovery, HicosModuleNamesOnLinux) {
  EXPECT_TRUE(looks_like_hicos_module("libHicos_p11v1.so"));
  EXPECT_TRUE(looks_like_hicos_module("libhicos_p11v1.so.1.3.4"));
  EXPECT_TRUE(looks_like_hicos_module("HiCOSPKCS11.so"));
  EXPECT_FALSE(looks_like_hicos_module("libsofthsm2.so"));
  EXPECT_FALSE(looks_like_hicos_module("hicos-readme.txt"));
  EXPECT_FALSE(looks_like_hicos_module("libHicos_p11v1.dylib"));
}

TEST(Discovery, FindsHicosModuleByPatternOnceAcrossSymlinks) {
  TempDir d;
  d.touch("HiPKILocalSignServerApp/lib/x64/libHicos_p11v1.so.1.3");
  fs::create_symlink("libHicos_p11v1.so.1.3", d.path / "HiPKILocalSignServerApp/lib/x64/libHicos_p11v1.so");
  d.touch("HiPKILocalSignServerApp/lib/x64/libcrypto.so");
  d.touch("lib/libHiCOS_pkcs11.so");
  d.touch("deep/a/b/c/d/libHicos_p11v1.so");  // deeper than allowed
  auto found = find_hicos_modules({{(d.path / "HiPKILocalSignServerApp").string(), 4},
                                   {(d.path / "lib").string(), 1},
                                   {(d.path / "deep").string(), 2},
                                   {(d.path / "missing").string(), 3}});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].path.find("HiPKILocalSignServerApp/lib/x64/libHicos_p11v1.so"), std::string::npos);
  EXPECT_EQ(found[1].path, (d.path / "lib/libHiCOS_pkcs11.so").string());
  for (const auto& c : found) {
    EXPECT_TRUE(c.hicos);
    EXPECT_EQ(c.source, "hicos-install");
  }
}

TEST(Discovery, ReadsP11KitModuleLines) {
  TempDir d;
  fs::create_directories(d.path / "modules");
  std::ofstream(d.path / "modules/hicos.module") << "# HiCOS\nmodule: /opt/hicos/libHicos_p11v1.so\ncritical: no\n";
  std::ofstream(d.path / "modules/opensc.module") << "module:opensc-pkcs11.so  # relative\n";
  std::ofstream(d.path / "modules/ignored.conf") << "module: /nope.so\n";
  std::ofstream(d.path / "modules/broken.module") << "modulepath /x.so\nmodule:\n";
  auto found = read_p11kit_modules({(d.path / "modules").string(), (d.path / "absent").string()}, "/usr/lib/pkcs11");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].path, "/opt/hicos/libHicos_p11v1.so");
  EXPECT_TRUE(found[0].hicos);
  EXPECT_EQ(found[0].source, "p11-kit:" + (d.path / "modules/hicos.module").string());
  EXPECT_EQ(found[1].path, "/usr/lib/pkcs11/opensc-pkcs11.so");
  EXPECT_FALSE(found[1].hicos);
}

TEST(Discovery, ExplicitModuleComesFirst) {
  RunOptions o;
  o.pkcs11_module = "/some/where/libx.so";
  auto all = discover_modules(o);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].path, "/some/where/libx.so");
  EXPECT_EQ(all[0].source, "option");
}

TEST(Discovery, XdgDataHomeIsSearched) {
  TempDir d;
  d.touch("certwiz/hicos/libHicos_p11v1.so");
  setenv("XDG_DATA_HOME", d.path.c_str(), 1);
  RunOptions o;
  auto all = discover_modules(o);
  unsetenv("XDG_DATA_HOME");
  bool seen = false;
  for (const auto& c : all) seen = seen || c.path == (d.path / "certwiz/hicos/libHicos_p11v1.so").string();
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace certwiz::pkcs11

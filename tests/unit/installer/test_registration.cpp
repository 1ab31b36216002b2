#include <gtest/gtest.h>

#include <filesystem>

#include "installer/record.h"
#include "installer/registration.h"
#include "tests/unit/installer/archive_builder.h"

using namespace certwiz;
using namespace certwiz::installer;
using namespace certwiz::installer::testing;
namespace fs = std::filesystem;

TEST(FirefoxProfiles, ParsesRelativeAndAbsoluteProfiles) {
  TempDir tmp;
  const std::string ff = tmp / "firefox";
  fs::create_directories(ff + "/abc.default-release");
  write_file(ff + "/abc.default-release/cert9.db", "x");
  fs::create_directories(tmp / "elsewhere");
  const std::string ini =
      "[Install4F96D1932A9F858E]\r\nDefault=abc.default-release\r\n\r\n"
      "[Profile1]\nName=default\nIsRelative=1\nPath=old.default\n\n"
      "[Profile0]\nName=default-release\nIsRelative=1\nPath=abc.default-release\nDefault=1\n\n"
      "[Profile2]\nName=work\nIsRelative=0\nPath=" + tmp.path() + "/elsewhere\n\n"
      "[General]\nStartWithLastProfile=1\nVersion=2\n";
  write_file(ff + "/profiles.ini", ini);
  auto p = find_firefox_profiles(ff);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].name, "default");
  EXPECT_FALSE(p[0].has_sql_db);
  EXPECT_EQ(p[1].path, ff + "/abc.default-release");
  EXPECT_TRUE(p[1].has_sql_db);
  EXPECT_EQ(p[2].path, tmp.path() + "/elsewhere");
  EXPECT_TRUE(find_firefox_profiles(tmp / "nofirefox").empty());
}

TEST(P11KitModuleFile, WritesMarkedFileAndRestoresWhatWasThere) {
  TempDir tmp;
  const std::string dir = tmp / "pkcs11/modules";
  const auto before = read_module_file(dir);
  EXPECT_FALSE(before.exists);
  auto reg = write_module_file(dir, "/opt/x/libHicos_p11v1.so");
  ASSERT_TRUE(reg) << reg.error().detail;
  const std::string text = read_file(dir + "/hicos.module");
  EXPECT_NE(text.find("\nmodule: /opt/x/libHicos_p11v1.so\n"), std::string::npos) << text;
  EXPECT_TRUE(is_certwiz_module_file(text));
  EXPECT_EQ(reg->content_sha256, sha256_hex(text));
  EXPECT_FALSE(restore_module_file(before).has_value());
  EXPECT_FALSE(fs::exists(dir + "/hicos.module"));

  write_file(dir + "/hicos.module", "module: /usr/lib/vendor.so\n");
  const auto theirs = read_module_file(dir);
  EXPECT_TRUE(theirs.exists);
  EXPECT_FALSE(is_certwiz_module_file(theirs.content));
  ASSERT_TRUE(write_module_file(dir, "/new.so"));
  EXPECT_FALSE(restore_module_file(theirs).has_value());
  EXPECT_EQ(read_file(dir + "/hicos.module"), "module: /usr/lib/vendor.so\n");
}

TEST(InstallRecord, RoundTripsAndRefusesPathsThatLeaveTheFolder) {
  TempDir tmp;
  InstallRecord r;
  r.package_id = "local-sign-server-linux";
  r.version = *DottedVersion::parse("1.3.4.3");
  r.target_dir = tmp.path();
  r.module_path = tmp / "lib/libHicos_p11v1.so";
  r.files = {"lib/libHicos_p11v1.so", "start.sh"};
  r.dirs = {"lib"};
  Registration g;
  g.path = tmp / "hicos.module";
  g.libfile = r.module_path;
  g.content_sha256 = std::string(64, 'a');
  r.registrations.push_back(g);
  ASSERT_FALSE(write_install_record(tmp.path(), r).has_value());
  auto back = read_install_record(tmp.path());
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->version.str(), "1.3.4.3");
  EXPECT_EQ((*back)->files, r.files);
  EXPECT_EQ((*back)->registrations.at(0).content_sha256, g.content_sha256);

  for (const char* evil : {"../../etc/passwd", "/etc/passwd", "lib/../../x", ""}) {
    Json j = to_json(r);
    j["files"].push_back(evil);
    auto bad = install_record_from_json(j);
    ASSERT_FALSE(bad) << evil;
    EXPECT_EQ(bad.error().code, "INSTALL-RECORD-INVALID");
  }
  write_file(tmp / kRecordFileName, "{not json");
  auto broken = read_install_record(tmp.path());
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, "INSTALL-RECORD-INVALID");
  auto none = read_install_record(tmp / "missing");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST(Modutil, ListOutputGivesTheModulesLibrary) {
  const std::string out =
      "\nListing of PKCS #11 Modules\n-----------------------------------------------------------\n"
      "  1. NSS Internal PKCS #11 Module\n\t   uri: pkcs11:library-manufacturer=Mozilla%20Foundation\n"
      "\t slots: 2 slots attached\n\n"
      "  2. HiCOS PKI Smart Card\n\tlibrary name: /opt/certwiz/hicos/lib/libHicos_p11v1.so\n"
      "\t   uri: pkcs11:library-manufacturer=CertWiz\n\t slots: 8 slots attached\n"
      "\t  slot: CertWiz Lab Reader A 00 00\n\t token: HiCOS PKI Smart Card\n";
  EXPECT_EQ(parse_modutil_list(out, "HiCOS PKI Smart Card"), "/opt/certwiz/hicos/lib/libHicos_p11v1.so");
  EXPECT_EQ(parse_modutil_list(out, "NSS Internal PKCS #11 Module"), "");
  EXPECT_FALSE(parse_modutil_list(out, "HiCOS").has_value());
  EXPECT_FALSE(parse_modutil_list("", "HiCOS PKI Smart Card").has_value());
}

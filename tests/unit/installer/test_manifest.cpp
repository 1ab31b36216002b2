#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "assets/assets.h"
#include "checks/core/catalogue.h"
#include "installer/install.h"
#include "installer/manifest.h"

using namespace certwiz;
using namespace certwiz::installer;

namespace {
DottedVersion v(const char* s) {
  auto r = DottedVersion::parse(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r.value_or(DottedVersion{});
}

const char* kGood = R"({
  "format": 1,
  "packages": [
    {"id": "lin", "os": "linux", "arch": ["x86_64"], "version": "1.3.4.3",
     "url": "https://example.test/a.tar.gz", "file": "a.tar.gz", "format": "tar.gz",
     "size": 1234, "sha256": "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"},
    {"id": "win", "os": "windows", "arch": ["x86_64", "x86"], "version": "1.3.4.103328",
     "url": "https://example.test/w.zip", "file": "w.zip", "format": "zip", "unverified": true}
  ]})";
}  // namespace

TEST(DottedVersion, ComparesNumericallyNotAsText) {
  EXPECT_LT(v("1.3.4.9"), v("1.3.4.10"));
  EXPECT_LT(v("1.3.4.3"), v("1.3.4.103328"));
  EXPECT_GT(v("2.0"), v("1.99.99"));
  EXPECT_EQ(v("1.3.4"), v("1.3.4.0"));
  EXPECT_EQ(v("1.03"), v("1.3"));
  EXPECT_EQ(v("1.3.4.103328").str(), "1.3.4.103328");
}

TEST(DottedVersion, RejectsWhatIsNotADottedNumber) {
  for (const char* bad : {"", ".", "1.", ".1", "1..2", "1.2a", "v1.2", "1.-2", "1 .2", "99999999999999999999"})
    EXPECT_FALSE(DottedVersion::parse(bad).has_value()) << bad;
}

TEST(DottedVersion, InstalledAgainstOffered) {
  EXPECT_EQ(compare_installed(std::nullopt, v("1.0")), VersionState::not_installed);
  EXPECT_EQ(compare_installed(v("1.3.4.3"), v("1.3.4.3")), VersionState::up_to_date);
  EXPECT_EQ(compare_installed(v("1.3.4.2"), v("1.3.4.3")), VersionState::update_available);
  EXPECT_EQ(compare_installed(v("1.3.5"), v("1.3.4.3")), VersionState::newer_installed);
  EXPECT_EQ(version_state_name(VersionState::update_available), "update available");
  EXPECT_EQ(version_state_name(VersionState::up_to_date), "up to date");
}

TEST(Manifest, ParsesAndSelectsByOsAndArch) {
  auto m = parse_manifest(kGood);
  ASSERT_TRUE(m) << m.error().detail;
  ASSERT_EQ(m->packages.size(), 2u);
  const Package* lin = select_package(*m, "linux", "x86_64");
  ASSERT_NE(lin, nullptr);
  EXPECT_EQ(lin->id, "lin");
  EXPECT_EQ(lin->size, 1234u);
  EXPECT_EQ(lin->sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");  // lower-cased
  EXPECT_EQ(lin->module_patterns, default_module_patterns());
  EXPECT_EQ(select_package(*m, "windows", "x86")->id, "win");
  EXPECT_TRUE(select_package(*m, "windows", "x86")->unverified);
  EXPECT_EQ(select_package(*m, "linux", "arm64"), nullptr);
  EXPECT_EQ(select_package(*m, "macos", "x86_64"), nullptr);
}

TEST(Manifest, RejectsMalformedWithTheFieldNamed) {
  struct Case {
    const char* json;
    const char* mentions;
  } cases[] = {
      {"not json", "JSON"},
      {"[]", "object"},
      {R"({"format": 2, "packages": []})", "format"},
      {R"({"packages": {}})", "packages"},
      {R"({"packages": [{"id":"a","os":"linux","arch":["x86_64"],"version":"1.x","url":"https://a/b","file":"b","format":"zip"}]})", "version"},
      {R"({"packages": [{"id":"a","os":"linux","arch":["x86_64"],"version":"1","url":"https://a/b","file":"b","format":"rar"}]})", "format"},
      {R"({"packages": [{"id":"a","os":"linux","arch":["x86_64"],"version":"1","url":"https://a/b","file":"../b","format":"zip"}]})", "file"},
      {R"({"packages": [{"id":"a","os":"linux","arch":["x86_64"],"version":"1","url":"https://a/b","file":"b","format":"zip","sha256":"xyz"}]})", "sha256"},
      {R"({"packages": [{"id":"a","os":"linux","arch":[],"version":"1","url":"https://a/b","file":"b","format":"zip"}]})", "arch"},
      {R"({"packages": [{"id":"a","os":"linux","arch":["x86_64"],"version":"1","file":"b","format":"zip"}]})", "url"},
      {R"({"packages": [{"id":"a","os":"linux","arch":["x86_64"],"version":"1","url":"https://a/b","file":"b","format":"zip","size":-5}]})", "size"},
  };
  for (const auto& c : cases) {
    auto m = parse_manifest(c.json);
    ASSERT_FALSE(m) << c.json;
    EXPECT_EQ(m.error().code, "INSTALL-MANIFEST-INVALID");
    EXPECT_NE(m.error().detail.find(c.mentions), std::string::npos) << m.error().detail;
  }
}

TEST(Manifest, BundledManifestHasEveryPlatformAndIsHonestAboutUnverifiedFacts) {
  DownloadOptions o;
  auto m = load_manifest(asset_path("manifest/hicos.json"), o);
  ASSERT_TRUE(m) << m.error().detail;
  const Package* lin = select_package(*m, "linux", "x86_64");
  ASSERT_NE(lin, nullptr);
  EXPECT_EQ(lin->file_name, "HiPKILocalSignServerApp.tar.gz");
  EXPECT_EQ(lin->format, PackageFormat::tar_gz);
  const Package* win = select_package(*m, "windows", "x86_64");
  ASSERT_NE(win, nullptr);
  EXPECT_EQ(win->file_name, "HiCOS_Client.zip");
  const Package* mac = select_package(*m, "macos", "arm64");
  ASSERT_NE(mac, nullptr);
  EXPECT_EQ(mac->file_name, "HiPKILocalSignServer.pkg");
  for (const auto& p : m->packages) {
    EXPECT_EQ(p.url.rfind("https://", 0), 0u) << p.url;
    // No address or hash in the facts file is confirmed: each must say so.
    EXPECT_TRUE(p.unverified) << p.id;
    EXPECT_TRUE(p.sha256.empty()) << p.id;
  }
}

TEST(Manifest, MissingFileIsUnreadable) {
  DownloadOptions o;
  auto m = load_manifest("/nonexistent/hicos.json", o);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, "INSTALL-MANIFEST-UNREADABLE");
  auto h = load_manifest("http://example.test/m.json", o);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, "INSTALL-URL-NOT-HTTPS");
}

TEST(InstallerCodes, EveryCodeUsedIsInTheCatalogueWithBothLanguages) {
  int n = 0;
  for (const auto& c : failure_codes()) {
    if (c.module != "installer") continue;
    ++n;
    EXPECT_EQ(c.code.rfind("INSTALL-", 0), 0u) << c.code;
    EXPECT_FALSE(c.cause_zh.empty());
    EXPECT_FALSE(c.cause_en.empty());
    EXPECT_FALSE(c.remedy_zh.empty());
    EXPECT_FALSE(c.remedy_en.empty());
  }
  EXPECT_GE(n, 30);
  for (const char* code : {"INSTALL-HASH-MISMATCH", "INSTALL-ARCHIVE-PATH-TRAVERSAL", "INSTALL-DISK-FULL",
                           "INSTALL-TLS-HOSTNAME", "INSTALL-DOWNLOAD-STALLED", "INSTALL-MODULE-LOAD-FAILED"})
    EXPECT_NE(find_failure_code(code), nullptr) << code;
}

TEST(InstallerCodes, EveryCodeTheSourceMentionsIsInTheCatalogue) {
  std::set<std::string> used;
  // Quoted "INSTALL-..." literals (std::regex trips GCC 12's -Wmaybe-uninitialized under ASan).
  auto scan = [&used](const std::string& text) {
    for (size_t at = text.find("\"INSTALL-"); at != std::string::npos; at = text.find("\"INSTALL-", at + 1)) {
      size_t end = at + 1;
      while (end < text.size() && (std::isupper(static_cast<unsigned char>(text[end])) ||
                                   std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '-'))
        ++end;
      if (end < text.size() && text[end] == '"') used.insert(text.substr(at + 1, end - at - 1));
    }
  };
  for (const auto& f : std::filesystem::directory_iterator(CERTWIZ_INSTALLER_SOURCE_DIR)) {
    const auto ext = f.path().extension();
    if (ext != ".cpp" && ext != ".mm" && ext != ".h") continue;
    std::ifstream in(f.path());
    std::stringstream s;
    s << in.rdbuf();
    const std::string text = s.str();
    scan(text);
  }
  EXPECT_GE(used.size(), 30u);
  for (const auto& c : used) EXPECT_NE(find_failure_code(c), nullptr) << c << " is used but not in installer/codes.def";
}

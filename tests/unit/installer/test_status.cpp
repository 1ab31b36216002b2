// installer.status, the one answer to "is HiCOS installed, which version, by whom":
// vendor-style installations planted under a test root (module files, the component's
// folder, p11-kit and Firefox registrations) and a loopback stand-in of the local
// signing component answering GET / with its version.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "installer/record.h"
#include "installer/registration.h"
#include "installer/status.h"
#include "tests/support/server_thread.h"
#include "tests/unit/installer/archive_builder.h"

using namespace certwiz;
using namespace certwiz::installer;
using namespace certwiz::installer::testing;
namespace fs = std::filesystem;

namespace {

// Answers GET / as the component does ("version:a.b.c.d" in a text page).
struct ComponentStandIn {
  httplib::Server server;
  int port = 0;
  std::optional<certwiz::testing::ServerThread> serving;
  explicit ComponentStandIn(std::string version) {
    server.Get("/", [version](const httplib::Request&, httplib::Response& res) {
      res.set_content("HiPKI Local Sign Server\nversion:" + version + "\n", "text/plain");
    });
    port = server.bind_to_any_port("127.0.0.1");
    serving.emplace(server);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

// A port where nothing listens: bound (so no other test takes it), never listening, so a
// connection is refused at once.
struct DeadPort {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  DeadPort() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
  }
  ~DeadPort() { close(fd); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

class HicosStatusTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string root = tmp / "root";
  std::string home = tmp / "home";  // CertWiz's own install would go here; nothing is there
  std::string saved_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  DeadPort dead;

  void SetUp() override {
    fs::create_directories(root);
    fs::create_directories(home);
    // The vendor's per-user locations (Firefox) follow HOME, under the root.
    setenv("HOME", "/home/user", 1);
  }
  void TearDown() override { setenv("HOME", saved_home.c_str(), 1); }

  HicosStatusOptions options(const std::string& url, std::optional<std::string> minimum = "1.3.4.3") {
    HicosStatusOptions o;
    o.system_root = root;
    o.paths.target_dir = home + "/.local/share/certwiz/hicos";
    o.paths.p11kit_modules_dir = home + "/.config/pkcs11/modules";
    o.localsign_url = url;
    o.timeout = std::chrono::seconds(3);
    o.site_minimum = std::move(minimum);
    return o;
  }
  CheckResult status(const HicosStatusOptions& o) { return hicos_status(find_hicos(o), o, nullptr); }
  void plant_vendor_module() {
    write_file(root + "/usr/local/HiPKILocalSignServerApp/lib/libHicos_p11v1.so", "\x7f" "ELF not really", 0755);
    write_file(root + "/usr/local/HiPKILocalSignServerApp/start.sh", "#!/bin/sh\n", 0755);
  }
};

}  // namespace

TEST_F(HicosStatusTest, VendorInstallWithRunningComponentIsInstalledWithVersionAndSource) {
  plant_vendor_module();
  ComponentStandIn component("1.3.4.3");
  const CheckResult r = status(options(component.url()));
  EXPECT_EQ(r.id, "installer.status");
  EXPECT_EQ(r.status, Status::pass) << r.code << " " << r.summary.en;
  EXPECT_EQ(r.summary.en, "Installed 1.3.4.3 (vendor installer)");
  EXPECT_EQ(r.summary.zh_TW, "已安裝 1.3.4.3（廠商安裝程式）");
  EXPECT_EQ(r.evidence["source"], "vendor installer");
  EXPECT_EQ(r.evidence["installed_version"], "1.3.4.3");
  ASSERT_EQ(r.evidence["vendor_module_files"].size(), 1u);
  EXPECT_EQ(r.evidence["vendor_module_files"][0], root + "/usr/local/HiPKILocalSignServerApp/lib/libHicos_p11v1.so");
  EXPECT_EQ(r.evidence["component_dirs"][0], root + "/usr/local/HiPKILocalSignServerApp");
}

TEST_F(HicosStatusTest, VendorInstallOlderThanTheSiteMinimumWarnsWithTheVendorsRemedy) {
  plant_vendor_module();
  ComponentStandIn component("1.3.4.2");
  const CheckResult r = status(options(component.url()));
  EXPECT_EQ(r.status, Status::warn);
  EXPECT_EQ(r.code, "INSTALL-VENDOR-OUTDATED");
  EXPECT_EQ(r.summary.en, "Installed 1.3.4.2 (vendor installer), older than the 1.3.4.3 the site requires");
  // The vendor installed it: the remedy is the vendor's update, not CertWiz's installer.
  EXPECT_EQ(r.remedy.en.find("install-hicos"), std::string::npos) << r.remedy.en;
  EXPECT_EQ(r.remedy.zh_TW.find("install-hicos"), std::string::npos);
}

TEST_F(HicosStatusTest, NothingAnywhereIsNotInstalled) {
  const CheckResult r = status(options(dead.url()));
  EXPECT_EQ(r.status, Status::warn);
  EXPECT_EQ(r.code, "INSTALL-NOT-INSTALLED");
  EXPECT_EQ(r.evidence["state"], "not installed");
  EXPECT_EQ(r.evidence["component_error"], "LOCALSIGN-NOT-RUNNING");
}

TEST_F(HicosStatusTest, ModuleOnDiskWithTheComponentStoppedIsInstalledVersionUnknown) {
  plant_vendor_module();
  const CheckResult r = status(options(dead.url()));
  EXPECT_EQ(r.status, Status::pass);
  EXPECT_EQ(r.evidence["source"], "vendor installer");
  EXPECT_EQ(r.evidence["state"], "version unknown");
  EXPECT_NE(r.summary.en.find("version unknown"), std::string::npos) << r.summary.en;
}

TEST_F(HicosStatusTest, RunningComponentAloneCountsAsAVendorInstall) {
  ComponentStandIn component("1.3.4.5");
  const CheckResult r = status(options(component.url()));
  EXPECT_EQ(r.status, Status::pass);
  EXPECT_EQ(r.summary.en, "Installed 1.3.4.5 (vendor installer), but its PKCS#11 module is not in the usual places");
  EXPECT_TRUE(r.evidence["vendor_module_files"].empty());
}

TEST_F(HicosStatusTest, P11KitRegistrationOfAVendorModuleCountsCertWizsOwnDoesNot) {
  write_file(root + "/etc/pkcs11/modules/hicos.module", "module: /opt/vendor/libHicos_p11v1.so\n");
  auto r = status(options(dead.url()));
  EXPECT_EQ(r.evidence["source"], "vendor installer") << r.evidence.dump();
  EXPECT_EQ(r.evidence["p11kit_registrations"][0], root + "/etc/pkcs11/modules/hicos.module");
  // The file CertWiz writes is its own install's, not a vendor's.
  write_file(root + "/etc/pkcs11/modules/hicos.module", p11kit_module_text(home + "/x/libHicos_p11v1.so"));
  r = status(options(dead.url()));
  EXPECT_EQ(r.code, "INSTALL-NOT-INSTALLED") << r.evidence.dump();
}

TEST_F(HicosStatusTest, FirefoxProfileLoadingHiCOSCounts) {
  const std::string ff = root + "/home/user/.mozilla/firefox";
  write_file(ff + "/profiles.ini", "[Profile0]\nName=default\nIsRelative=1\nPath=abc.default\n");
  write_file(ff + "/abc.default/pkcs11.txt",
             "library=\nname=NSS Internal PKCS #11 Module\n\n"
             "library=/usr/lib/x86_64-linux-gnu/libHicos_p11v1.so\nname=HiCOS PKI Smart Card\n");
  const CheckResult r = status(options(dead.url()));
  EXPECT_EQ(r.status, Status::pass) << r.code;
  EXPECT_EQ(r.evidence["firefox_registrations"][0], ff + "/abc.default");
}

TEST_F(HicosStatusTest, CertWizsRecordNamesCertWizAsTheSource) {
  InstallRecord rec;
  rec.package_id = "test";
  rec.version = *DottedVersion::parse("1.3.4.3");
  rec.target_dir = home + "/.local/share/certwiz/hicos";
  rec.module_path = rec.target_dir + "/lib/libHicos_p11v1.so";
  fs::create_directories(rec.target_dir);
  ASSERT_FALSE(write_install_record(rec.target_dir, rec));
  ComponentStandIn component("1.3.4.3");
  auto r = status(options(component.url()));
  EXPECT_EQ(r.status, Status::pass);
  EXPECT_EQ(r.summary.en, "Installed 1.3.4.3 (CertWiz)");
  EXPECT_EQ(r.evidence["source"], "certwiz");
  r = status(options(component.url(), "1.3.4.9"));
  EXPECT_EQ(r.code, "INSTALL-UPDATE-AVAILABLE");
}

TEST(NssPkcs11Txt, ListsOnlyHiCOSLibraries) {
  const auto libs = parse_nss_pkcs11_txt(
      "library=\r\nname=NSS Internal\r\n\r\nlibrary=/usr/lib/libHicos_p11v1.so\r\nname=HiCOS\r\n"
      "library=\"/opt/x/libhicos_p11v1.so\"\nlibrary=/usr/lib/p11-kit-proxy.so\n");
  ASSERT_EQ(libs.size(), 2u);
  EXPECT_EQ(libs[0], "/usr/lib/libHicos_p11v1.so");
  EXPECT_EQ(libs[1], "/opt/x/libhicos_p11v1.so");
}

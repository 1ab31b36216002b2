// kill -9 at each phase of an install, in a loop (issue 15 item 2). The CLI is run with
// CERTWIZ_TEST_CRASH_AT=<phase>, which makes the installer SIGKILL itself there; then the
// next run must end installed and verified, or an uninstall must leave nothing: never a
// record that claims success, a dangling p11-kit registration or a staging folder left behind.
#include <gtest/gtest.h>

#include <filesystem>

#include "checks/pkcs11/probe.h"
#include "installer/install.h"
#include "installer/process.h"
#include "installer/registration.h"
#include "tests/integration/installer/loopback_server.h"
#include "tests/unit/installer/archive_builder.h"

using namespace certwiz;
using namespace certwiz::installer;
using namespace certwiz::installer::testing;
namespace fs = std::filesystem;
using K = ArchiveItem::Kind;

namespace {

const std::vector<std::string> kPhases = {"download", "unpack", "register", "verify", "record"};

std::string test_module_path() {
  if (const char* m = std::getenv("CERTWIZ_PKCS11_MODULE"); m && *m) return m;
  return CERTWIZ_TEST_FALLBACK_MODULE;
}

class CrashSafetyTest : public ::testing::Test {
 protected:
  static inline TempDir* pki_dir = nullptr;
  static inline TestPki pki;
  static void SetUpTestSuite() {
    pki_dir = new TempDir();
    pki = make_test_pki(pki_dir->path());
  }
  static void TearDownTestSuite() {
    delete pki_dir;
    pki_dir = nullptr;
  }

  TempDir tmp;
  LoopbackServer server{pki.server_cert, pki.server_key};
  const std::string module_bytes = read_file(test_module_path());
  // Where the CLI installs for a user whose XDG folders are in tmp.
  const std::string parent = tmp / "data/certwiz";
  const std::string target = tmp / "data/certwiz/hicos";
  const std::string modules = tmp / "config/pkcs11/modules";
  const std::string module = target + "/HiPKILocalSignServerApp/lib/libHicos_p11v1.so";

  void publish(const std::string& version) {
    const std::vector<ArchiveItem> items = {
        {K::dir, "HiPKILocalSignServerApp/"},
        {K::file, "HiPKILocalSignServerApp/start.sh", "#!/bin/sh\n# " + version + "\n", "", 0755},
        {K::file, "HiPKILocalSignServerApp/lib/libHicos_p11v1.so", module_bytes, "", 0755},
        {K::file, "HiPKILocalSignServerApp/version.txt", version}};
    const std::string name = "pkg-" + version + ".tar.gz";
    write_archive(tmp / name, ArchiveFormat::tar_gz, items);
    const std::string bytes = read_file(tmp / name);
    server.serve("/" + name, {bytes});
    Json p{{"id", "test-linux"}, {"os", current_os()}, {"arch", {current_arch()}}, {"version", version},
           {"url", server.url("/" + name)}, {"file", "HiPKILocalSignServerApp.tar.gz"}, {"format", "tar.gz"},
           {"sha256", sha256_hex(bytes)}, {"size", bytes.size()}};
    write_file(tmp / "manifest.json", Json{{"format", 1}, {"packages", {p}}}.dump());
  }

  ProcessResult cli(const std::vector<std::string>& args, const std::string& crash_at = {}) {
    std::vector<std::string> argv{"/usr/bin/env",
                                  "HOME=" + tmp / "home",
                                  "XDG_DATA_HOME=" + tmp / "data",
                                  "XDG_CONFIG_HOME=" + tmp / "config",
                                  "XDG_CACHE_HOME=" + tmp / "cache"};
    if (!crash_at.empty()) argv.push_back("CERTWIZ_TEST_CRASH_AT=" + crash_at);
    argv.push_back(CERTWIZ_CLI);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {}, std::chrono::seconds(120));
  }
  ProcessResult install(const std::string& crash_at = {}) {
    return cli({"install-hicos", "--manifest", tmp / "manifest.json", "--cacert", pki.ca_cert, "--lang", "en"}, crash_at);
  }
  std::string status_state() {
    const auto r = cli({"install-hicos", "--check", "--manifest", tmp / "manifest.json", "--lang", "en", "--json", "-"});
    const auto at = r.output.find('{');
    if (at == std::string::npos) return "no JSON: " + r.output;
    const Json j = Json::parse(r.output.substr(at), nullptr, false);
    return j.is_discarded() ? "bad JSON: " + r.output : j["evidence"].value("state", "?");
  }

  void expect_no_leftovers() {
    if (fs::exists(parent)) {
      for (const auto& e : fs::directory_iterator(parent)) EXPECT_EQ(e.path().filename(), "hicos") << "left behind: " << e.path();
    }
    EXPECT_FALSE(fs::exists(target + "/.certwiz-install-pending"));
  }
  void expect_installed_and_verified(const std::string& version) {
    auto rec = read_install_record(target);
    ASSERT_TRUE(rec && *rec) << "no install record";
    EXPECT_EQ((*rec)->version.str(), version);
    EXPECT_EQ(read_file(target + "/HiPKILocalSignServerApp/version.txt"), version);
    EXPECT_EQ(read_file(module), module_bytes);
    EXPECT_EQ(read_file(modules + "/hicos.module"), p11kit_module_text(module));
    auto info = pkcs11::probe_module_info(module, std::chrono::seconds(20));
    EXPECT_TRUE(info) << "the installed module does not load: " << info.error().code << " " << info.error().detail;
    expect_no_leftovers();
  }
  void expect_cleanly_absent() {
    EXPECT_FALSE(fs::exists(target)) << "install folder left";
    EXPECT_FALSE(fs::exists(modules + "/hicos.module")) << "p11-kit registration left";
    expect_no_leftovers();
  }
};

}  // namespace

TEST_F(CrashSafetyTest, KilledFirstInstallIsCompletedByTheNextRun) {
  publish("1.0.0");
  for (const auto& phase : kPhases) {
    SCOPED_TRACE("killed at " + phase);
    const auto killed = install(phase);
    ASSERT_EQ(killed.exit_code, -1) << "not killed at " << phase << ":\n" << killed.output;
    const std::string state = status_state();
    if (phase != "record") {
      EXPECT_NE(state, "up to date") << "a killed install is reported as installed";
    }
    const auto rerun = install();
    ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
    expect_installed_and_verified("1.0.0");
    const auto u = cli({"uninstall-hicos", "--lang", "en"});
    EXPECT_EQ(u.exit_code, 0) << u.output;
    expect_cleanly_absent();
  }
}

TEST_F(CrashSafetyTest, KilledUpdateIsCompletedByTheNextRun) {
  for (const auto& phase : kPhases) {
    SCOPED_TRACE("update killed at " + phase);
    publish("1.0.0");
    ASSERT_EQ(install().exit_code, 0);
    publish("2.0.0");
    const auto killed = install(phase);
    ASSERT_EQ(killed.exit_code, -1) << "not killed at " << phase << ":\n" << killed.output;
    if (phase != "record") {
      EXPECT_NE(status_state(), "up to date") << "the half-done update is reported as done";
    }
    const auto rerun = install();
    ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
    expect_installed_and_verified("2.0.0");
    ASSERT_EQ(cli({"uninstall-hicos", "--lang", "en"}).exit_code, 0);
    expect_cleanly_absent();
  }
}

TEST_F(CrashSafetyTest, KilledUpdateThenUninstallLeavesNothing) {
  for (const auto& phase : kPhases) {
    SCOPED_TRACE("update killed at " + phase);
    publish("1.0.0");
    ASSERT_EQ(install().exit_code, 0);
    publish("2.0.0");
    ASSERT_EQ(install(phase).exit_code, -1);
    const auto u = cli({"uninstall-hicos", "--lang", "en"});
    EXPECT_EQ(u.exit_code, 0) << u.output;
    expect_cleanly_absent();
  }
}

TEST_F(CrashSafetyTest, CliRefusesAnUnverifiedPackageUnlessAccepted) {
  publish("1.0.0");
  Json m = Json::parse(read_file(tmp / "manifest.json"));
  m["packages"][0]["sha256"] = nullptr;
  write_file(tmp / "manifest.json", m.dump());
  const auto refused = install();
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("INSTALL-UNVERIFIED-REFUSED"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find(sha256_hex(read_file(tmp / "pkg-1.0.0.tar.gz"))), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(target));
  const auto accepted = cli({"install-hicos", "--manifest", tmp / "manifest.json", "--cacert", pki.ca_cert, "--lang", "en",
                             "--accept-unverified"});
  EXPECT_EQ(accepted.exit_code, 1) << accepted.output;  // installed, with the INSTALL-HASH-UNKNOWN warning
  EXPECT_NE(accepted.output.find("INSTALL-HASH-UNKNOWN"), std::string::npos) << accepted.output;
  expect_installed_and_verified("1.0.0");
}

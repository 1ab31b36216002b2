// The whole install flow against an HTTPS server on loopback, with a package whose
// "module" is a real PKCS#11 module (the lab's card simulator when run in the lab,
// SoftHSM2 otherwise), verified by loading it in the isolated module host. Every
// failure must end with its own code and leave the install folder and registrations
// exactly as they were.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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

std::string test_module_path() {
  if (const char* m = std::getenv("CERTWIZ_PKCS11_MODULE"); m && *m) return m;
  return CERTWIZ_TEST_FALLBACK_MODULE;
}

// True when this test binary (and so every module built with it, the card simulator among
// them) carries AddressSanitizer: such a module cannot be loaded by an uninstrumented program.
constexpr bool built_with_asan() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

std::string non_pkcs11_elf() {
  for (const char* p : {"/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1"})
    if (fs::exists(p)) return p;
  return {};
}

ModuleVerifier probe_verifier() {
  return [](const std::string& path) -> Expected<Json> {
    auto info = pkcs11::probe_module_info(path, std::chrono::seconds(20));
    if (!info) return info.error();
    return pkcs11::to_json(*info);
  };
}

class InstallTest : public ::testing::Test {
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
  std::string module_bytes = read_file(test_module_path());
  InstallOptions options;

  void SetUp() override {
    ASSERT_FALSE(module_bytes.empty()) << "no PKCS#11 module at " << test_module_path();
    options.paths.target_dir = tmp / "data/certwiz/hicos";
    options.paths.p11kit_modules_dir = tmp / "config/pkcs11/modules";
    options.paths.cache_dir = tmp / "cache/certwiz";
    options.paths.firefox_dir = tmp / "mozilla/firefox";
    options.manifest = tmp / "manifest.json";
    options.download.ca_file = pki.ca_cert;
    options.download.retry_base_delay = std::chrono::milliseconds(50);
    options.download.low_speed_time = std::chrono::seconds(3);
    options.verify_module = probe_verifier();
  }

  std::vector<ArchiveItem> package_items(const std::string& version, const std::string& module = {}) {
    return {{K::dir, "HiPKILocalSignServerApp/"},
            {K::file, "HiPKILocalSignServerApp/start.sh", "#!/bin/sh\n# " + version + "\n", "", 0755},
            {K::file, "HiPKILocalSignServerApp/lib/libHicos_p11v1.so", module.empty() ? module_bytes : module, "", 0755},
            {K::file, "HiPKILocalSignServerApp/version.txt", version}};
  }

  // Builds the package, serves it, and writes a manifest pointing at it.
  std::string publish(const std::string& version, const std::vector<ArchiveItem>& items,
                      ArchiveFormat format = ArchiveFormat::tar_gz, bool with_hash = true,
                      const std::string& charset = {}) {
    const std::string name = format == ArchiveFormat::zip ? "pkg-" + version + ".zip" : "pkg-" + version + ".tar.gz";
    write_archive(tmp / name, format, items, charset);
    const std::string bytes = read_file(tmp / name);
    server.serve("/" + name, {bytes});
    write_manifest(version, server.url("/" + name), format, with_hash ? sha256_hex(bytes) : "", bytes.size());
    return bytes;
  }

  void write_manifest(const std::string& version, const std::string& url, ArchiveFormat format,
                      const std::string& sha, std::optional<size_t> size) {
    Json p{{"id", "test-linux"}, {"os", current_os()}, {"arch", {current_arch()}}, {"version", version},
           {"url", url}, {"file", format == ArchiveFormat::zip ? "HiPKI.zip" : "HiPKILocalSignServerApp.tar.gz"},
           {"format", format == ArchiveFormat::zip ? "zip" : "tar.gz"},
           {"sha256", sha.empty() ? Json(nullptr) : Json(sha)}, {"size", size ? Json(*size) : Json(nullptr)}};
    write_file(tmp / "manifest.json", Json{{"format", 1}, {"packages", {p}}}.dump());
  }

  struct State {
    std::vector<std::pair<std::string, std::string>> target, p11kit;
    bool operator==(const State&) const = default;
  };
  State state() const { return {snapshot_tree(options.paths.target_dir), snapshot_tree(options.paths.p11kit_modules_dir)}; }

  void install_v1() {
    publish("1.0.0", package_items("1.0.0"));
    auto r = install_hicos(options);
    ASSERT_EQ(r.status, Status::pass) << r.code << " " << r.detail << "\n" << r.evidence.dump(2);
  }

  // v1 installed, then v2 fails with `code`: everything must be as v1 left it.
  void expect_failed_update_leaves_v1(const std::string& code, const std::function<void()>& publish_v2) {
    install_v1();
    const State before = state();
    ASSERT_FALSE(before.target.empty());
    publish_v2();
    auto r = install_hicos(options);
    EXPECT_EQ(r.status, Status::fail);
    EXPECT_EQ(r.code, code) << r.detail << "\n" << r.evidence.dump(2);
    EXPECT_TRUE(state() == before) << "the failed update changed the installation";
    auto rec = read_install_record(options.paths.target_dir);
    ASSERT_TRUE(rec && *rec);
    EXPECT_EQ((*rec)->version.str(), "1.0.0");
    // Nothing half-installed lies next to the target either.
    for (const auto& e : fs::directory_iterator(fs::path(options.paths.target_dir).parent_path()))
      EXPECT_EQ(e.path().filename(), "hicos") << "left behind: " << e.path();
  }
};

}  // namespace

TEST_F(InstallTest, TarGzEndToEndInstallsRegistersLoadsAndUninstallsExactly) {
  std::vector<std::string> phases;
  options.on_phase = [&](InstallPhase p) { phases.emplace_back(install_phase_name(p)); };
  const std::string bytes = publish("1.3.4.3", package_items("1.3.4.3"));
  auto r = install_hicos(options);
  ASSERT_EQ(r.status, Status::pass) << r.code << " " << r.detail << "\n" << r.evidence.dump(2);
  EXPECT_EQ(phases, (std::vector<std::string>{"manifest", "download", "unpack", "register", "verify", "done"}));
  const std::string module = options.paths.target_dir + "/HiPKILocalSignServerApp/lib/libHicos_p11v1.so";
  EXPECT_EQ(r.evidence["module_path"], module);
  EXPECT_EQ(r.evidence["sha256"], sha256_hex(bytes));
  EXPECT_TRUE(r.evidence["module_info"].is_object()) << "the module was not loaded to verify it";
  EXPECT_EQ(read_file(module), module_bytes);
  EXPECT_EQ(read_file(options.paths.p11kit_modules_dir + "/hicos.module"), p11kit_module_text(module));
  auto rec = read_install_record(options.paths.target_dir);
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->version.str(), "1.3.4.3");
  EXPECT_EQ((*rec)->registrations.size(), 1u);
  EXPECT_FALSE(fs::exists(options.paths.cache_dir + "/HiPKILocalSignServerApp.tar.gz")) << "download not cleaned up";

  // p11-kit picks the registration up (as an ordinary user: p11-kit skips user config for root).
  fs::permissions(tmp.path(), fs::perms(0755));
  for (auto& e : fs::recursive_directory_iterator(tmp.path()))
    fs::permissions(e.path(), fs::perms::others_read | (e.is_directory() ? fs::perms::others_exec : fs::perms::none),
                    fs::perm_options::add);
  fs::create_directories(tmp / "home/.config");
  fs::create_directory_symlink(fs::path(options.paths.p11kit_modules_dir).parent_path(), tmp / "home/.config/pkcs11");
  fs::permissions(tmp / "home", fs::perms(0755));
  fs::permissions(tmp / "home/.config", fs::perms(0755));
  const auto listed = run_process({"/usr/bin/env", "HOME=" + tmp / "home", "P11_KIT_DEBUG=conf", "setpriv", "--reuid=65534",
                                   "--regid=65534", "--clear-groups", "p11-kit", "list-modules"});
  EXPECT_NE(listed.output.find("hicos.module"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("module: " + module), std::string::npos) << listed.output;

  // Up to date: no second download.
  const size_t requests = server.requests().size();
  auto again = install_hicos(options);
  EXPECT_EQ(again.status, Status::pass);
  EXPECT_EQ(again.evidence["state"], "up to date");
  EXPECT_EQ(server.requests().size(), requests);

  // Uninstall removes what CertWiz put there and keeps what the user added.
  write_file(options.paths.target_dir + "/HiPKILocalSignServerApp/whiteList.txt", "user's own file");
  write_file(options.paths.p11kit_modules_dir + "/other.module", "module: /usr/lib/other.so\n");
  auto u = uninstall_hicos(options.paths);
  EXPECT_EQ(u.status, Status::pass) << u.detail << u.evidence.dump(2);
  EXPECT_FALSE(fs::exists(module));
  EXPECT_FALSE(fs::exists(options.paths.target_dir + "/" + kRecordFileName));
  EXPECT_FALSE(fs::exists(options.paths.p11kit_modules_dir + "/hicos.module"));
  EXPECT_EQ(read_file(options.paths.target_dir + "/HiPKILocalSignServerApp/whiteList.txt"), "user's own file");
  EXPECT_EQ(read_file(options.paths.p11kit_modules_dir + "/other.module"), "module: /usr/lib/other.so\n");
  auto u2 = uninstall_hicos(options.paths);
  EXPECT_EQ(u2.code, "INSTALL-NOTHING-TO-REMOVE");
}

TEST_F(InstallTest, ZipWithBig5NamesAndNoHashInstallsWithAWarningAndTheComputedHash) {
  auto items = package_items("2.0");
  items.push_back({K::file, "HiPKILocalSignServerApp/許功蓋/說明.txt", "big5"});
  const std::string bytes = publish("2.0", items, ArchiveFormat::zip, /*with_hash=*/false, "CP950");
  options.accept_unverified = true;
  auto r = install_hicos(options);
  EXPECT_EQ(r.status, Status::warn) << r.code << " " << r.detail;
  EXPECT_EQ(r.code, "INSTALL-HASH-UNKNOWN");
  EXPECT_EQ(r.evidence["sha256"], sha256_hex(bytes));
  EXPECT_NE(r.detail.find(sha256_hex(bytes)), std::string::npos);
  EXPECT_EQ(read_file(options.paths.target_dir + "/HiPKILocalSignServerApp/許功蓋/說明.txt"), "big5");
  EXPECT_TRUE(fs::exists(options.paths.p11kit_modules_dir + "/hicos.module"));
}

TEST_F(InstallTest, NoPinnedHashAndNoConsentInstallsNothingAndRunsNothing) {
  auto items = package_items("1.0.0");
  items.push_back({K::file, "HiPKILocalSignServerApp/install.sh", "#!/bin/sh\necho ran > " + tmp / "ran.txt" + "\n", "", 0755});
  const std::string bytes = publish("1.0.0", items, ArchiveFormat::tar_gz, /*with_hash=*/false);
  options.run_vendor_script = true;
  options.paths.system_wide = true;  // as with --system: refused all the same
  const State before = state();
  auto r = install_hicos(options);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.code, "INSTALL-UNVERIFIED-REFUSED") << r.detail;
  // The user is shown what to compare: the computed hash and who the server said it was.
  EXPECT_EQ(r.evidence["sha256"], sha256_hex(bytes));
  EXPECT_NE(r.detail.find(sha256_hex(bytes)), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("CN = server"), std::string::npos) << r.detail;
  EXPECT_NE(r.evidence["tls_issuer"].get<std::string>().find("CertWiz Installer Test CA"), std::string::npos);
  EXPECT_TRUE(state() == before);
  EXPECT_FALSE(fs::exists(options.paths.target_dir));
  EXPECT_FALSE(fs::exists(tmp / "ran.txt")) << "the vendor script ran without consent";
  EXPECT_TRUE(!fs::exists(options.paths.cache_dir) || fs::is_empty(options.paths.cache_dir));
}

TEST_F(InstallTest, WizardConsentSeesTheHashAndDecides) {
  const std::string bytes = publish("1.0.0", package_items("1.0.0"), ArchiveFormat::tar_gz, /*with_hash=*/false);
  std::vector<UnverifiedPackage> asked;
  bool answer = false;
  options.confirm_unverified = [&](const UnverifiedPackage& u) {
    asked.push_back(u);
    return answer;
  };
  auto refused = install_hicos(options);
  EXPECT_EQ(refused.code, "INSTALL-UNVERIFIED-REFUSED");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].sha256, sha256_hex(bytes));
  EXPECT_EQ(asked[0].size, bytes.size());
  EXPECT_NE(asked[0].tls_subject.find("CN = server"), std::string::npos) << asked[0].tls_subject;
  EXPECT_FALSE(fs::exists(options.paths.target_dir));
  answer = true;
  auto accepted = install_hicos(options);
  EXPECT_EQ(accepted.status, Status::warn) << accepted.code << " " << accepted.detail;
  EXPECT_EQ(accepted.code, "INSTALL-HASH-UNKNOWN");
  EXPECT_EQ(accepted.evidence["unverified_accepted"], "confirmed in the wizard");
  EXPECT_EQ(asked.size(), 2u);
  EXPECT_TRUE(fs::exists(options.paths.p11kit_modules_dir + "/hicos.module"));
}

TEST_F(InstallTest, PinnedHashNeedsNoConsent) {
  publish("1.0.0", package_items("1.0.0"));
  options.confirm_unverified = [](const UnverifiedPackage&) -> bool {
    ADD_FAILURE() << "asked about a package whose hash the manifest pins";
    return false;
  };
  EXPECT_EQ(install_hicos(options).status, Status::pass);
}

TEST_F(InstallTest, PackageCarryingItsOwnRecordCannotFakeAnInstall) {
  auto items = package_items("1.0.0");
  items.push_back({K::file, kRecordFileName, "{\"format\": 1}"});
  items.push_back({K::file, ".certwiz-install-pending", "x"});
  publish("1.0.0", items);
  auto r = install_hicos(options);
  ASSERT_EQ(r.status, Status::pass) << r.code << r.detail;
  auto rec = read_install_record(options.paths.target_dir);
  ASSERT_TRUE(rec && *rec);
  EXPECT_EQ((*rec)->package_id, "test-linux");
  EXPECT_FALSE(fs::exists(options.paths.target_dir + "/.certwiz-install-pending"));
}

TEST_F(InstallTest, UninstallRemovesADanglingRegistration) {
  // What an older CertWiz killed midway left: its module file, the library gone, no record.
  write_file(options.paths.p11kit_modules_dir + "/hicos.module", p11kit_module_text(tmp / "gone/libHicos_p11v1.so"));
  write_file(options.paths.p11kit_modules_dir + "/other.module", "module: /usr/lib/other.so\n");
  auto u = uninstall_hicos(options.paths);
  EXPECT_EQ(u.status, Status::pass) << u.code << " " << u.detail;
  EXPECT_FALSE(fs::exists(options.paths.p11kit_modules_dir + "/hicos.module"));
  EXPECT_TRUE(fs::exists(options.paths.p11kit_modules_dir + "/other.module"));
  // A registration whose library exists, without a record, is not CertWiz's to judge: kept.
  write_file(options.paths.p11kit_modules_dir + "/hicos.module", p11kit_module_text(test_module_path()));
  EXPECT_EQ(uninstall_hicos(options.paths).code, "INSTALL-NOTHING-TO-REMOVE");
  EXPECT_TRUE(fs::exists(options.paths.p11kit_modules_dir + "/hicos.module"));
}

TEST_F(InstallTest, StatusSaysUpdateAvailableForAnOlderInstall) {
  install_v1();
  publish("1.0.1", package_items("1.0.1"));
  DownloadOptions d;
  auto m = load_manifest(options.manifest, d);
  ASSERT_TRUE(m);
  auto s = hicos_install_status(*m, options.paths);
  EXPECT_EQ(s.code, "INSTALL-UPDATE-AVAILABLE");
  EXPECT_EQ(s.evidence["state"], "update available");
  EXPECT_EQ(s.evidence["installed_version"], "1.0.0");
  auto r = install_hicos(options);
  ASSERT_EQ(r.status, Status::pass) << r.code << r.detail;
  EXPECT_EQ(r.evidence["previous_version"], "1.0.0");
  EXPECT_EQ(read_file(options.paths.target_dir + "/HiPKILocalSignServerApp/version.txt"), "1.0.1");
  EXPECT_EQ(hicos_install_status(*load_manifest(options.manifest, d), options.paths).evidence["state"], "up to date");
}

TEST_F(InstallTest, ModuleThatDoesNotLoadRollsBackToThePreviousVersion) {
  const std::string elf = non_pkcs11_elf();
  ASSERT_FALSE(elf.empty());
  expect_failed_update_leaves_v1("INSTALL-MODULE-LOAD-FAILED", [&] { publish("2.0.0", package_items("2.0.0", read_file(elf))); });
}

TEST_F(InstallTest, PackageWithoutModuleIsRefused) {
  expect_failed_update_leaves_v1("INSTALL-MODULE-NOT-FOUND", [&] {
    publish("2.0.0", {{K::file, "HiPKILocalSignServerApp/start.sh", "#!/bin/sh\n"}, {K::file, "README", "x"}});
  });
}

TEST_F(InstallTest, TraversalEntryIsRefused) {
  expect_failed_update_leaves_v1("INSTALL-ARCHIVE-PATH-TRAVERSAL", [&] {
    auto items = package_items("2.0.0");
    items.push_back({K::file, "../../../evil", "x"});
    publish("2.0.0", items);
  });
  EXPECT_FALSE(fs::exists(tmp / "evil"));
}

TEST_F(InstallTest, AbsolutePathEntryIsRefused) {
  expect_failed_update_leaves_v1("INSTALL-ARCHIVE-ABSOLUTE-PATH", [&] {
    auto items = package_items("2.0.0");
    items.push_back({K::file, tmp / "abs-evil", "x"});
    publish("2.0.0", items);
  });
  EXPECT_FALSE(fs::exists(tmp / "abs-evil"));
}

TEST_F(InstallTest, EscapingLinkIsRefused) {
  expect_failed_update_leaves_v1("INSTALL-ARCHIVE-LINK-ESCAPE", [&] {
    auto items = package_items("2.0.0");
    items.push_back({K::symlink, "HiPKILocalSignServerApp/lib/escape", "", "../../../../../.."});
    publish("2.0.0", items, ArchiveFormat::tar_gz);
  });
}

TEST_F(InstallTest, ZipBombIsRefused) {
  expect_failed_update_leaves_v1("INSTALL-ARCHIVE-BOMB", [&] {
    auto items = package_items("2.0.0");
    ArchiveItem bomb{K::file, "HiPKILocalSignServerApp/data.bin"};
    bomb.zeros = 300u << 20;
    items.push_back(bomb);
    publish("2.0.0", items, ArchiveFormat::zip);
  });
}

TEST_F(InstallTest, DeviceFileIsRefused) {
  expect_failed_update_leaves_v1("INSTALL-ARCHIVE-SPECIAL-FILE", [&] {
    auto items = package_items("2.0.0");
    items.push_back({K::chardev, "HiPKILocalSignServerApp/null"});
    publish("2.0.0", items);
  });
}

TEST_F(InstallTest, HashMismatchIsRefusedAndTheDownloadDeleted) {
  expect_failed_update_leaves_v1("INSTALL-HASH-MISMATCH", [&] {
    const std::string bytes = publish("2.0.0", package_items("2.0.0"));
    write_manifest("2.0.0", server.url("/pkg-2.0.0.tar.gz"), ArchiveFormat::tar_gz, std::string(64, '0'), bytes.size());
  });
  EXPECT_TRUE(fs::is_empty(options.paths.cache_dir)) << "the mismatching download was kept";
}

TEST_F(InstallTest, MissingPackageIsNotFound) {
  expect_failed_update_leaves_v1("INSTALL-DOWNLOAD-NOT-FOUND", [&] {
    write_manifest("2.0.0", server.url("/gone.tar.gz"), ArchiveFormat::tar_gz, {}, std::nullopt);
  });
}

TEST_F(InstallTest, PackageUrlOverrideIsUsed) {
  const std::string bytes = publish("1.0.0", package_items("1.0.0"));
  server.serve("/mirror/pkg.tar.gz", {bytes});
  options.package_url = server.url("/mirror/pkg.tar.gz");
  auto r = install_hicos(options);
  ASSERT_EQ(r.status, Status::pass) << r.code << r.detail;
  EXPECT_EQ(server.requests().back().path, "/mirror/pkg.tar.gz");
}

TEST_F(InstallTest, DiskFullDuringUnpackLeavesThePreviousVersion) {
  install_v1();
  const State before = state();
  auto items = package_items("2.0.0");
  // 16 MiB that compress to almost nothing: the archive stays small, the unpacked tree does not.
  items.push_back({K::file, "HiPKILocalSignServerApp/big.bin", std::string(16u << 20, 'z')});
  write_archive(tmp / "big.tar.gz", ArchiveFormat::tar_gz, items);
  auto m = load_manifest(options.manifest, options.download);
  ASSERT_TRUE(m);
  Package pkg = m->packages.at(0);
  pkg.version = *DottedVersion::parse("2.0.0");
  DownloadedFile file;
  file.path = tmp / "big.tar.gz";
  file.sha256 = sha256_hex(read_file(file.path));
  file.size = fs::file_size(file.path);
  // Files may grow to the archive's size plus 1 MiB (the package's module differs in
  // size between builds, e.g. under ASan): the download fits, big.bin cannot.
  const rlim_t limit = file.size + (1u << 20);
  ASSERT_LT(limit, 16u << 20);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Files may not grow past `limit` (SIGXFSZ ignored, so write() fails with EFBIG).
    signal(SIGXFSZ, SIG_IGN);
    rlimit lim{limit, limit};
    setrlimit(RLIMIT_FSIZE, &lim);
    auto r = install_package_file(pkg, file, options);
    _exit(r.code == "INSTALL-DISK-FULL" ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child did not report INSTALL-DISK-FULL";
  EXPECT_TRUE(state() == before);
  for (const auto& e : fs::directory_iterator(fs::path(options.paths.target_dir).parent_path()))
    EXPECT_EQ(e.path().filename(), "hicos") << "left behind: " << e.path();
}

TEST_F(InstallTest, ForeignP11KitEntryIsNotOverwritten) {
  write_file(options.paths.p11kit_modules_dir + "/hicos.module", "module: /usr/lib/vendor/libHicos_p11v1.so\n");
  const State before = state();
  publish("1.0.0", package_items("1.0.0"));
  auto r = install_hicos(options);
  EXPECT_EQ(r.code, "INSTALL-REGISTER-CONFLICT") << r.detail;
  EXPECT_TRUE(state() == before);
  EXPECT_FALSE(fs::exists(options.paths.target_dir));
}

TEST_F(InstallTest, FolderNotMadeByCertWizIsLeftAlone) {
  write_file(options.paths.target_dir + "/someone-elses.txt", "x");
  const State before = state();
  publish("1.0.0", package_items("1.0.0"));
  auto r = install_hicos(options);
  EXPECT_EQ(r.code, "INSTALL-TARGET-NOT-OURS");
  EXPECT_TRUE(state() == before);
}

TEST_F(InstallTest, VendorScriptRunsOnlyWhenAskedAndItsFailureRollsBack) {
  auto items = package_items("1.0.0");
  items.push_back({K::file, "HiPKILocalSignServerApp/install.sh", "#!/bin/sh\necho ran > ran.txt\n", "", 0755});
  publish("1.0.0", items);
  auto plain = install_hicos(options);
  ASSERT_EQ(plain.status, Status::pass) << plain.code << plain.detail;
  EXPECT_FALSE(fs::exists(options.paths.target_dir + "/ran.txt"));

  options.force = true;
  options.run_vendor_script = true;
  auto ran = install_hicos(options);
  ASSERT_EQ(ran.status, Status::pass) << ran.code << ran.detail;
  EXPECT_EQ(read_file(options.paths.target_dir + "/ran.txt"), "ran\n");

  const State before = state();
  auto bad = package_items("2.0.0");
  bad.push_back({K::file, "HiPKILocalSignServerApp/install.sh", "#!/bin/sh\necho failing\nexit 3\n", "", 0755});
  publish("2.0.0", bad);
  auto failed = install_hicos(options);
  EXPECT_EQ(failed.code, "INSTALL-VENDOR-SCRIPT-FAILED") << failed.detail;
  EXPECT_EQ(failed.evidence["vendor_script"]["exit_code"], 3);
  EXPECT_TRUE(state() == before);
}

class FirefoxInstallTest : public InstallTest {
 protected:
  std::string profile;
  void SetUp() override {
    // modutil loads the packaged module itself. A vendor module is never ASan-instrumented,
    // and an instrumented one (the lab's card simulator in a sanitizer build) aborts an
    // uninstrumented modutil, so sanitizer builds package the uninstrumented SoftHSM2 here.
    if (built_with_asan()) module_bytes = read_file(CERTWIZ_TEST_FALLBACK_MODULE);
    InstallTest::SetUp();
    if (::testing::Test::HasFatalFailure()) return;
    ASSERT_FALSE(find_program("modutil").empty()) << "modutil (libnss3-tools) is needed";
    ASSERT_FALSE(find_program("certutil").empty()) << "certutil (libnss3-tools) is needed";
    profile = options.paths.firefox_dir + "/t3st.default-release";
    fs::create_directories(profile);
    write_file(options.paths.firefox_dir + "/profiles.ini",
               "[Profile0]\nName=default-release\nIsRelative=1\nPath=t3st.default-release\nDefault=1\n\n[General]\nVersion=2\n");
    auto r = run_process({"certutil", "-N", "-d", "sql:" + profile, "--empty-password"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    options.firefox = true;
  }
  // The module's library in the profile, "" when absent (read with modutil -list, as a user would).
  std::string nss_libfile() {
    auto r = run_process({"modutil", "-dbdir", "sql:" + profile, "-list", "-force"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const std::string heading = ". " + std::string(kNssModuleName) + "\n";
    const auto at = r.output.find(heading);
    if (at == std::string::npos) return {};
    const auto lib = r.output.find("library name: ", at);
    if (lib == std::string::npos) return "?";
    return r.output.substr(lib + 14, r.output.find('\n', lib) - lib - 14);
  }
};

TEST_F(FirefoxInstallTest, RegistersInTheProfileAndUninstallRemovesIt) {
  publish("1.0.0", package_items("1.0.0"));
  auto r = install_hicos(options);
  ASSERT_EQ(r.status, Status::pass) << r.code << r.detail << r.evidence.dump(2);
  const std::string module = options.paths.target_dir + "/HiPKILocalSignServerApp/lib/libHicos_p11v1.so";
  EXPECT_EQ(nss_libfile(), module);
  auto u = uninstall_hicos(options.paths);
  EXPECT_EQ(u.status, Status::pass) << u.detail;
  EXPECT_EQ(nss_libfile(), "");
}

TEST_F(FirefoxInstallTest, FailedUpdateKeepsTheProfileRegistration) {
  publish("1.0.0", package_items("1.0.0"));
  ASSERT_EQ(install_hicos(options).status, Status::pass);
  const std::string lib_before = nss_libfile();
  ASSERT_FALSE(lib_before.empty());
  publish("2.0.0", package_items("2.0.0", read_file(non_pkcs11_elf())));
  auto r = install_hicos(options);
  EXPECT_EQ(r.code, "INSTALL-MODULE-LOAD-FAILED");
  EXPECT_EQ(nss_libfile(), lib_before);
}

TEST_F(FirefoxInstallTest, NoProfileIsAWarningNotAFailure) {
  fs::remove_all(options.paths.firefox_dir);
  publish("1.0.0", package_items("1.0.0"));
  auto r = install_hicos(options);
  EXPECT_EQ(r.status, Status::warn);
  EXPECT_EQ(r.code, "INSTALL-NO-FIREFOX-PROFILE");
}

// Windows: run the vendor's installer (HiCOS_Client.exe from HiCOS_Client.zip).
// UNTESTED: written to compile on Windows, never built or run in CI. The vendor
// installer owns its files and its own uninstaller, so CertWiz records only what it ran.
#include <cstdlib>
#include <filesystem>

#include "installer/install.h"
#include "installer/process.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {
const Text kInstallTitle{"安裝 HiCOS 卡片元件", "Install the HiCOS card components"};
CheckResult finish(CheckResult r, const char* id) {
  r.id = id;
  r.title = kInstallTitle;
  return r;
}
}  // namespace

CheckResult install_package_file(const Package& package, const DownloadedFile& file, const InstallOptions& o) {
  Json ev{{"package", to_json(package)}, {"download", file.evidence()}, {"tested", false}};
  std::error_code ec;
  const fs::path work = fs::path(o.paths.cache_dir) / "unpacked";
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  fs::path installer = file.path;
  if (package.format == PackageFormat::zip) {
    auto u = unpack_archive(file.path, work.string(), o.limits, o.download.cancel);
    if (!u) return finish(CheckResult::from_error(u.error(), {"解壓縮失敗", "Unpacking failed"}, ev), "installer.install");
    installer = work / (package.vendor_installer.empty() ? "HiCOS_Client.exe" : package.vendor_installer);
  }
  auto r = run_process({installer.string()}, work.string(), std::chrono::seconds(1800));
  ev["vendor_installer"] = Json{{"path", installer.string()}, {"exit_code", r.exit_code}};
  fs::remove_all(work, ec);
  if (!r.started || r.exit_code != 0)
    return finish(CheckResult::failure("INSTALL-VENDOR-INSTALLER-FAILED", {"廠商安裝程式失敗", "The vendor installer failed"},
                                       ev, r.error),
                  "installer.install");
  const char* windir = std::getenv("windir");
  const std::string module = std::string(windir ? windir : "C:\\Windows") + "\\System32\\HiCOSPKCS11.dll";
  if (o.verify_module) {
    auto info = o.verify_module(module);
    if (!info)
      return finish(CheckResult::failure("INSTALL-MODULE-LOAD-FAILED", {"模組無法載入", "The module does not load"}, ev,
                                         info.error().detail),
                    "installer.install");
    ev["module_info"] = *info;
  }
  InstallRecord rec;
  rec.package_id = package.id;
  rec.version = package.version;
  rec.source_url = package.url;
  rec.sha256 = file.sha256;
  rec.installed_at = utc_now_iso8601();
  rec.target_dir = o.paths.target_dir;
  rec.module_path = module;
  rec.vendor_script_ran = true;
  fs::create_directories(o.paths.target_dir, ec);
  write_install_record(o.paths.target_dir, rec);
  return finish(CheckResult::pass({"已執行 HiCOS 安裝程式", "Ran the HiCOS installer"}, ev), "installer.install");
}

CheckResult uninstall_hicos(const InstallPaths& paths, const std::string&) {
  CheckResult r = CheckResult::failure("INSTALL-UNSUPPORTED-PLATFORM",
                                       {"請用 Windows「新增或移除程式」移除 HiCOS", "Remove HiCOS through Windows' Apps settings"},
                                       Json{{"target_dir", paths.target_dir}});
  r.id = "installer.uninstall";
  return r;
}

}  // namespace certwiz::installer

// macOS: run Apple's installer on the vendor's HiPKILocalSignServer.pkg.
// UNTESTED: written to compile on macOS, never built or run in CI. The .pkg owns its
// files (pkgutil knows them), so CertWiz records only what it ran.
#include "installer/install.h"
#include "installer/process.h"

namespace certwiz::installer {

// macOS installs through Apple's installer, which keeps no journal of CertWiz's.
Expected<Json> recover_interrupted_install(const InstallPaths&, const std::string&) { return Json::object(); }
bool install_interrupted(const InstallPaths&) { return false; }

CheckResult install_package_file(const Package& package, const DownloadedFile& file, const InstallOptions& o) {
  Json ev{{"package", to_json(package)}, {"download", file.evidence()}, {"tested", false}};
  const std::string target = o.paths.system_wide ? "/" : "CurrentUserHomeDirectory";
  auto r = run_process({"/usr/sbin/installer", "-pkg", file.path, "-target", target}, {}, std::chrono::seconds(1800));
  ev["vendor_installer"] = Json{{"exit_code", r.exit_code}, {"output", r.output}};
  CheckResult out;
  if (!r.started || r.exit_code != 0) {
    out = CheckResult::failure("INSTALL-VENDOR-INSTALLER-FAILED", {"廠商安裝程式失敗", "The vendor installer failed"}, ev,
                               r.error);
  } else {
    record_vendor_install(package, file, o.paths);
    out = CheckResult::pass({"已執行 HiCOS 安裝程式", "Ran the HiCOS installer"}, ev);
  }
  out.id = "installer.install";
  return out;
}

CheckResult uninstall_hicos(const InstallPaths& paths, const std::string&) {
  return vendor_owned_uninstall(paths, {"請依廠商說明移除", "Remove it as the vendor describes"});
}

}  // namespace certwiz::installer

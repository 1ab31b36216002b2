#include "installer/install.h"
#include "installer/titles.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "assets/assets.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v && v[0] == '/') ? std::string(v) : fallback;
}

CheckResult titled(CheckResult r, const char* id, Text title) {
  r.id = id;
  r.title = std::move(title);
  return r;
}
}  // namespace

std::string_view install_phase_name(InstallPhase p) {
  switch (p) {
    case InstallPhase::manifest: return "manifest";
    case InstallPhase::download: return "download";
    case InstallPhase::unpack: return "unpack";
    case InstallPhase::register_module: return "register";
    case InstallPhase::verify: return "verify";
    case InstallPhase::rollback: return "rollback";
    case InstallPhase::done: return "done";
  }
  return "?";
}

InstallPaths default_install_paths(bool system_wide) {
  InstallPaths p;
  const std::string home = env_or("HOME", "/root");
  p.firefox_dir = home + "/.mozilla/firefox";
  p.system_wide = system_wide;
  if (system_wide) {
    p.target_dir = "/opt/certwiz/hicos";
    p.p11kit_modules_dir = "/etc/pkcs11/modules";
    p.cache_dir = "/var/cache/certwiz";
  } else {
    p.target_dir = env_or("XDG_DATA_HOME", home + "/.local/share") + "/certwiz/hicos";
    p.p11kit_modules_dir = env_or("XDG_CONFIG_HOME", home + "/.config") + "/pkcs11/modules";
    p.cache_dir = env_or("XDG_CACHE_HOME", home + "/.cache") + "/certwiz";
  }
  return p;
}

Expected<Manifest> load_manifest(const std::string& location, const DownloadOptions& options) {
  const std::string where = location.empty() ? asset_path("manifest/hicos.json") : location;
  std::string text;
  if (where.find("://") != std::string::npos) {
    auto t = fetch_text(where, options);
    if (!t) {
      Error e = t.error();
      // Keep TLS and cancellation codes: they say more than "unreadable".
      static const std::vector<std::string> kept = {"INSTALL-TLS-UNTRUSTED", "INSTALL-TLS-HOSTNAME",
                                                    "INSTALL-TLS-ERROR", "INSTALL-CANCELLED",
                                                    "INSTALL-URL-NOT-HTTPS", "INSTALL-CACERT-UNREADABLE"};
      if (std::find(kept.begin(), kept.end(), e.code) == kept.end()) {
        e.detail = "manifest " + e.code + ": " + e.detail;
        e.code = "INSTALL-MANIFEST-UNREADABLE";
      }
      return e;
    }
    text = std::move(*t);
  } else {
    std::ifstream f(where, std::ios::binary);
    if (!f) return Error{"INSTALL-MANIFEST-UNREADABLE", where};
    std::ostringstream s;
    s << f.rdbuf();
    text = s.str();
  }
  auto m = parse_manifest(text);
  if (!m) return Error{m.error().code, where + ": " + m.error().detail};
  return m;
}

CheckResult hicos_install_status(const Manifest& manifest, const InstallPaths& paths) {
  const Package* pkg = select_package(manifest, current_os(), current_arch());
  if (!pkg)
    return titled(CheckResult::failure("INSTALL-NO-PACKAGE", {"找不到適用的套件", "No package for this platform"},
                                       Json{{"os", current_os()}, {"arch", current_arch()}}),
                  "installer.status", kStatusTitle);
  if (install_interrupted(paths))
    return titled(CheckResult::warning("INSTALL-INTERRUPTED", {"上次安裝未完成", "The last installation did not finish"},
                                       Json{{"state", "interrupted"}, {"offered_version", pkg->version.str()},
                                            {"target_dir", paths.target_dir}}),
                  "installer.status", kStatusTitle);
  auto rec = read_install_record(paths.target_dir);
  if (!rec) return titled(CheckResult::from_error(rec.error(), {"安裝紀錄損壞", "Install record damaged"}),
                          "installer.status", kStatusTitle);
  std::optional<DottedVersion> installed;
  if (*rec) installed = (*rec)->version;
  const VersionState state = compare_installed(installed, pkg->version);
  Json ev{{"state", version_state_name(state)},
          {"offered_version", pkg->version.str()},
          {"installed_version", installed ? Json(installed->str()) : Json(nullptr)},
          {"target_dir", paths.target_dir}};
  CheckResult r;
  switch (state) {
    case VersionState::not_installed:
      r = CheckResult::warning("INSTALL-NOT-INSTALLED", {"尚未安裝", "Not installed"}, ev);
      break;
    case VersionState::update_available:
      r = CheckResult::warning("INSTALL-UPDATE-AVAILABLE",
                               {"有新版本 " + pkg->version.str() + "（已安裝 " + installed->str() + "）",
                                "Update available: " + pkg->version.str() + " (installed " + installed->str() + ")"},
                               ev);
      break;
    case VersionState::up_to_date:
    case VersionState::newer_installed:
      r = CheckResult::pass({"已是最新版本 " + installed->str(), "Up to date: " + installed->str()}, ev);
      break;
  }
  return titled(std::move(r), "installer.status", kStatusTitle);
}

Expected<DownloadedFile> fetch_package(const Package& package, const InstallOptions& o) {
  const std::string url = o.package_url.empty() ? package.url : o.package_url;
  const std::string dest = (fs::path(o.paths.cache_dir) / package.file_name).string();
  std::error_code ec;
  fs::create_directories(o.paths.cache_dir, ec);
  if (ec) {
    const bool denied = ec == std::errc::permission_denied || ec == std::errc::read_only_file_system;
    return Error{denied && o.paths.system_wide ? "INSTALL-NEEDS-ADMIN" : "INSTALL-WRITE-FAILED",
                 o.paths.cache_dir + ": " + ec.message()};
  }
  // A leftover complete file from an earlier run is fetched again: only .part files resume.
  fs::remove(dest, ec);
  return download_file(url, dest, o.download, package.size, package.sha256);
}

CheckResult install_hicos(const InstallOptions& o) {
  auto phase = [&](InstallPhase p) {
    if (o.on_phase) o.on_phase(p);
  };
  phase(InstallPhase::manifest);
  auto manifest = load_manifest(o.manifest, o.download);
  if (!manifest)
    return titled(CheckResult::from_error(manifest.error(), {"無法取得套件清單", "Could not load the package manifest"}),
                  "installer.install", kInstallTitle);
  const Package* pkg = select_package(*manifest, current_os(), current_arch());
  if (!pkg)
    return titled(CheckResult::failure("INSTALL-NO-PACKAGE", {"沒有適用於此平台的套件", "No package for this platform"},
                                       Json{{"os", current_os()}, {"arch", current_arch()}}),
                  "installer.install", kInstallTitle);
  // What an earlier, interrupted run left is finished or undone before anything is compared.
  auto recovered = recover_interrupted_install(o.paths, o.modutil);
  if (!recovered)
    return titled(CheckResult::from_error(recovered.error(), {"無法還原上次中斷的安裝", "Could not undo the interrupted installation"}),
                  "installer.install", kInstallTitle);
  if (!o.force) {
    CheckResult status = hicos_install_status(*manifest, o.paths);
    if (status.status == Status::pass) {
      status.id = "installer.install";
      status.title = kInstallTitle;
      phase(InstallPhase::done);
      return status;
    }
  }
  phase(InstallPhase::download);
  auto file = fetch_package(*pkg, o);
  if (!file) {
    Json ev{{"package", to_json(*pkg)}};
    if (!o.package_url.empty()) ev["package"]["url"] = o.package_url;
    return titled(CheckResult::from_error(file.error(), {"下載失敗", "Download failed"}, ev), "installer.install",
                  kInstallTitle);
  }
  std::error_code ec;
  Json consent;
  if (pkg->sha256.empty()) {
    // Nothing pins what this file should be: the user decides, having seen its hash.
    UnverifiedPackage u;
    u.url = o.package_url.empty() ? pkg->url : o.package_url;
    u.sha256 = file->sha256;
    u.size = file->size;
    u.tls_subject = file->tls_subject;
    u.tls_issuer = file->tls_issuer;
    const bool agreed = o.accept_unverified ||
                        (o.confirm_unverified && !o.download.cancel.cancelled() && o.confirm_unverified(u));
    if (!agreed && o.download.cancel.cancelled()) {
      phase(InstallPhase::done);
      return titled(CheckResult::failure("INSTALL-CANCELLED", {"已取消安裝", "Installation cancelled"},
                                         Json{{"package", to_json(*pkg)}}),
                    "installer.install", kInstallTitle);
    }
    if (!agreed) {
      fs::remove(file->path, ec);
      Json ev{{"package", to_json(*pkg)}, {"url", u.url}, {"sha256", u.sha256}, {"size", u.size},
              {"tls_subject", u.tls_subject}, {"tls_issuer", u.tls_issuer}};
      CheckResult r = CheckResult::failure(
          "INSTALL-UNVERIFIED-REFUSED", {"未經核對的套件，未安裝", "Unverified package: not installed"}, ev,
          "sha256 " + u.sha256 + "; server certificate " + (u.tls_subject.empty() ? "unknown" : u.tls_subject));
      phase(InstallPhase::done);
      return titled(std::move(r), "installer.install", kInstallTitle);
    }
    consent = o.accept_unverified ? "--accept-unverified" : "confirmed in the wizard";
  }
  CheckResult r = install_package_file(*pkg, *file, o);
  if (!consent.is_null()) r.evidence["unverified_accepted"] = consent;
  if (r.status == Status::pass || r.status == Status::warn) fs::remove(file->path, ec);
  phase(InstallPhase::done);
  return titled(std::move(r), "installer.install", kInstallTitle);
}

void record_vendor_install(const Package& package, const DownloadedFile& file, const InstallPaths& paths,
                           const std::string& module_path) {
  InstallRecord rec;
  rec.package_id = package.id;
  rec.version = package.version;
  rec.source_url = package.url;
  rec.sha256 = file.sha256;
  rec.installed_at = utc_now_iso8601();
  rec.target_dir = paths.target_dir;
  rec.module_path = module_path;
  rec.vendor_script_ran = true;
  std::error_code ec;
  fs::create_directories(paths.target_dir, ec);
  write_install_record(paths.target_dir, rec);
}

CheckResult vendor_owned_uninstall(const InstallPaths& paths, Text how) {
  CheckResult r = CheckResult::failure("INSTALL-UNSUPPORTED-PLATFORM", std::move(how), Json{{"target_dir", paths.target_dir}});
  r.id = "installer.uninstall";
  return r;
}

}  // namespace certwiz::installer

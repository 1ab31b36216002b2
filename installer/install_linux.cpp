// Linux: CertWiz unpacks the package itself into a folder of its own, registers the
// PKCS#11 module with p11-kit (and Firefox on request), and checks that it loads.
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "installer/install.h"
#include "installer/process.h"
#include "installer/registration.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {

const Text kInstallTitle{"安裝 HiCOS 卡片元件", "Install the HiCOS card components"};
const Text kUninstallTitle{"移除 HiCOS 卡片元件", "Remove the HiCOS card components"};

CheckResult fail(const Error& e, Json evidence) {
  CheckResult r = CheckResult::from_error(e, {"安裝失敗，已還原", "Installation failed and was rolled back"},
                                          std::move(evidence));
  r.id = "installer.install";
  r.title = kInstallTitle;
  return r;
}

bool is_elf(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  return f && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
}

// The PKCS#11 module inside the unpacked package: a regular ELF file whose name
// matches one of the patterns; a name mentioning HiCOS wins over others, then the shortest path.
std::optional<std::string> find_module(const fs::path& root, const std::vector<std::string>& patterns) {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    const std::string name = it->path().filename().string();
    bool match = false;
    for (const auto& p : patterns)
      if (fnmatch(p.c_str(), name.c_str(), FNM_CASEFOLD) == 0) match = true;
    if (match && is_elf(it->path())) found.push_back(it->path().lexically_relative(root).string());
  }
  if (found.empty()) return std::nullopt;
  auto score = [](const std::string& rel) {
    std::string lower = rel;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::pair{lower.find("hicos") == std::string::npos ? 1 : 0, rel.size()};
  };
  std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) { return score(a) < score(b); });
  return found.front();
}

void list_tree(const fs::path& root, std::vector<std::string>& files, std::vector<std::string>& dirs) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string rel = it->path().lexically_relative(root).string();
    if (rel == kRecordFileName) continue;
    if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(rel);
    else files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
}

std::optional<std::string> find_vendor_script(const fs::path& root, const std::string& named) {
  std::error_code ec;
  if (!named.empty()) {
    auto rel = sanitize_entry_path(named);
    if (rel && !rel->empty() && fs::is_regular_file(root / *rel, ec)) return *rel;
    return std::nullopt;
  }
  for (const char* candidate : {"install.sh", "setup.sh"}) {
    if (fs::is_regular_file(root / candidate, ec)) return std::string(candidate);
    for (auto& d : fs::directory_iterator(root, ec))
      if (d.is_directory(ec) && fs::is_regular_file(d.path() / candidate, ec))
        return (d.path().filename() / candidate).string();
  }
  return std::nullopt;
}

Error map_fs_error(const std::error_code& ec, const std::string& what, bool system_wide) {
  const bool denied = ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted ||
                      ec == std::errc::read_only_file_system;
  if (denied && system_wide) return Error{"INSTALL-NEEDS-ADMIN", what + ": " + ec.message()};
  if (ec == std::errc::no_space_on_device || ec == std::errc::file_too_large)
    return Error{"INSTALL-DISK-FULL", what + ": " + ec.message()};
  return Error{"INSTALL-WRITE-FAILED", what + ": " + ec.message()};
}

// Undo steps, run in reverse on failure; each says what it could not restore.
class Rollback {
 public:
  void add(std::string what, std::function<std::optional<Error>()> undo) {
    steps_.push_back({std::move(what), std::move(undo)});
  }
  // Runs after every add()ed step, in order: for what needs the previous files back first.
  void add_final(std::string what, std::function<std::optional<Error>()> undo) {
    finals_.push_back({std::move(what), std::move(undo)});
  }
  void commit() {
    steps_.clear();
    finals_.clear();
  }
  std::vector<std::string> run() {
    std::vector<std::string> failures;
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it)
      if (auto e = it->undo()) failures.push_back(it->what + ": " + e->code + " " + e->detail);
    for (auto& f : finals_)
      if (auto e = f.undo()) failures.push_back(f.what + ": " + e->code + " " + e->detail);
    commit();
    return failures;
  }

 private:
  struct Step {
    std::string what;
    std::function<std::optional<Error>()> undo;
  };
  std::vector<Step> steps_, finals_;
};

}  // namespace

CheckResult install_package_file(const Package& package, const DownloadedFile& file, const InstallOptions& o) {
  auto phase = [&](InstallPhase p) {
    if (o.on_phase) o.on_phase(p);
  };
  Json ev{{"package", to_json(package)}, {"download", file.evidence()}, {"target_dir", o.paths.target_dir}};
  if (!o.package_url.empty()) ev["package"]["url"] = o.package_url;
  if (package.format == PackageFormat::pkg)
    return fail(Error{"INSTALL-UNSUPPORTED-PLATFORM", "a .pkg package cannot be installed on Linux"}, ev);
  if (!o.verify_module)
    return fail(Error{"INSTALL-MODULE-LOAD-FAILED", "no module verifier configured (programming error)"}, ev);

  const fs::path target = fs::path(o.paths.target_dir).lexically_normal();
  const fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return fail(map_fs_error(ec, parent.string(), o.paths.system_wide), ev);

  // The previous installation, if CertWiz made one; a folder CertWiz did not make is left alone.
  auto previous = read_install_record(target.string());
  if (!previous) return fail(previous.error(), ev);
  const bool target_exists = fs::exists(target, ec);
  if (target_exists && !*previous && !fs::is_empty(target, ec))
    return fail(Error{"INSTALL-TARGET-NOT-OURS", target.string()}, ev);
  if (*previous) ev["previous_version"] = (*previous)->version.str();

  phase(InstallPhase::unpack);
  // Unpack next to the target (same filesystem) so it can be swapped in with one rename.
  std::string staging_template = (parent / ".hicos-staging-XXXXXX").string();
  if (!mkdtemp(staging_template.data()))
    return fail(map_fs_error(std::error_code(errno, std::generic_category()), parent.string(), o.paths.system_wide), ev);
  const fs::path staging = staging_template;
  auto drop_staging = [&] { fs::remove_all(staging, ec); };
  fs::permissions(staging, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec, ec);

  auto unpacked = unpack_archive(file.path, staging.string(), o.limits, o.download.cancel);
  if (!unpacked) {
    drop_staging();
    return fail(unpacked.error(), ev);
  }
  ev["unpack"] = unpacked->evidence();

  auto module_rel = find_module(staging, package.module_patterns);
  if (!module_rel) {
    drop_staging();
    return fail(Error{"INSTALL-MODULE-NOT-FOUND", "no file matching the module patterns in " + file.path}, ev);
  }
  InstallRecord rec;
  rec.package_id = package.id;
  rec.version = package.version;
  rec.source_url = o.package_url.empty() ? package.url : o.package_url;
  rec.sha256 = file.sha256;
  rec.installed_at = utc_now_iso8601();
  rec.target_dir = target.string();
  rec.module_path = (target / *module_rel).string();
  list_tree(staging, rec.files, rec.dirs);
  ev["module_path"] = rec.module_path;

  std::optional<std::string> vendor_script;
  if (o.run_vendor_script) {
    vendor_script = find_vendor_script(staging, package.vendor_script);
    if (!vendor_script) {
      drop_staging();
      return fail(Error{"INSTALL-VENDOR-SCRIPT-MISSING", package.vendor_script.empty() ? "install.sh" : package.vendor_script},
                  ev);
    }
  }
  if (auto e = write_install_record(staging.string(), rec)) {
    drop_staging();
    return fail(*e, ev);
  }
  if (o.download.cancel.cancelled()) {
    drop_staging();
    return fail(Error{"INSTALL-CANCELLED", "before installing"}, ev);
  }

  // From here on every step has an undo.
  Rollback rollback;
  auto abort_with = [&](Error e) {
    phase(InstallPhase::rollback);
    auto failures = rollback.run();
    drop_staging();
    if (!failures.empty()) {
      ev["rollback_failures"] = failures;
      ev["original_error"] = Json{{"code", e.code}, {"detail", e.detail}};
      return fail(Error{"INSTALL-ROLLBACK-FAILED", e.code + ": " + e.detail}, ev);
    }
    ev["rolled_back"] = true;
    return fail(e, ev);
  };

  phase(InstallPhase::register_module);
  if (target_exists) {
    // One atomic exchange: the new tree takes the target's name, the old one the staging name.
    if (renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
      const std::error_code e(errno, std::generic_category());
      drop_staging();
      return fail(map_fs_error(e, "exchange " + target.string(), o.paths.system_wide), ev);
    }
    rollback.add("restore previous files", [&]() -> std::optional<Error> {
      if (renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
        return Error{"INSTALL-ROLLBACK-FAILED", std::string("exchange back: ") + std::strerror(errno)};
      return std::nullopt;
    });
  } else {
    fs::rename(staging, target, ec);
    if (ec) {
      drop_staging();
      return fail(map_fs_error(ec, "rename to " + target.string(), o.paths.system_wide), ev);
    }
    rollback.add("remove new files", [&]() -> std::optional<Error> {
      std::error_code e;
      fs::rename(target, staging, e);  // dropped with the staging folder afterwards
      if (e) return Error{"INSTALL-ROLLBACK-FAILED", "move away " + target.string() + ": " + e.message()};
      return std::nullopt;
    });
  }

  // p11-kit: the module file, unless someone else's file sits there.
  const ModuleFileState module_file_before = read_module_file(o.paths.p11kit_modules_dir);
  if (module_file_before.exists && !is_certwiz_module_file(module_file_before.content))
    return abort_with(Error{"INSTALL-REGISTER-CONFLICT", module_file_before.path});
  auto reg = write_module_file(o.paths.p11kit_modules_dir, rec.module_path);
  if (!reg) {
    Error e = reg.error();
    if (o.paths.system_wide && access(o.paths.p11kit_modules_dir.c_str(), W_OK) != 0) e.code = "INSTALL-NEEDS-ADMIN";
    return abort_with(e);
  }
  rollback.add("restore p11-kit module file", [&] { return restore_module_file(module_file_before); });
  rec.registrations.push_back(*reg);

  if (vendor_script) {
    // Whatever the script changes outside the install folder cannot be rolled back.
    auto r = run_process({"/bin/sh", (target / *vendor_script).string()}, target.string(), std::chrono::seconds(300));
    ev["vendor_script"] = Json{{"path", *vendor_script}, {"exit_code", r.exit_code}, {"output", r.output}};
    if (!r.started || r.exit_code != 0 || r.timed_out)
      return abort_with(Error{"INSTALL-VENDOR-SCRIPT-FAILED",
                              *vendor_script + (r.timed_out ? " timed out" : " exited " + std::to_string(r.exit_code))});
    rec.vendor_script_ran = true;
  }

  phase(InstallPhase::verify);
  if (o.download.cancel.cancelled()) return abort_with(Error{"INSTALL-CANCELLED", "before verifying"});
  auto info = o.verify_module(rec.module_path);
  if (!info) return abort_with(Error{"INSTALL-MODULE-LOAD-FAILED", info.error().code + ": " + info.error().detail});
  ev["module_info"] = *info;

  // Firefox: profiles asked for now, plus those the previous version was registered in.
  std::vector<std::string> warnings;
  std::vector<std::pair<std::string, std::string>> nss_before;  // profile → previous libfile
  if (*previous)
    for (const auto& g : (*previous)->registrations)
      if (g.kind == Registration::Kind::firefox_nss) nss_before.emplace_back(g.path, g.libfile);
  std::vector<std::string> nss_profiles;
  for (const auto& [p, lib] : nss_before) nss_profiles.push_back(p);
  if (o.firefox) {
    auto profiles = find_firefox_profiles(o.paths.firefox_dir);
    bool any = false;
    for (const auto& p : profiles)
      if (p.has_sql_db) {
        any = true;
        if (std::find(nss_profiles.begin(), nss_profiles.end(), p.path) == nss_profiles.end())
          nss_profiles.push_back(p.path);
      }
    if (!any) warnings.push_back("INSTALL-NO-FIREFOX-PROFILE");
  }
  if (!nss_profiles.empty()) {
    const std::string modutil = find_program(o.modutil);
    if (modutil.empty()) return abort_with(Error{"INSTALL-MODUTIL-MISSING", o.modutil + " not on PATH"});
    for (const auto& profile : nss_profiles) {
      std::string old_lib;
      for (const auto& [p, lib] : nss_before)
        if (p == profile) old_lib = lib;
      if (!old_lib.empty() || nss_has_module(modutil, profile, kNssModuleName))
        nss_delete_module(modutil, profile, kNssModuleName);
      // modutil loads the module it adds: the previous one can only be re-added once
      // the previous files are back, so that step runs last.
      if (!old_lib.empty())
        rollback.add_final("re-add the previous module to Firefox profile " + profile,
                           [modutil, profile, old_lib] { return nss_add_module(modutil, profile, kNssModuleName, old_lib); });
      rollback.add("remove the module from Firefox profile " + profile, [modutil, profile]() -> std::optional<Error> {
        if (nss_has_module(modutil, profile, kNssModuleName)) return nss_delete_module(modutil, profile, kNssModuleName);
        return std::nullopt;
      });
      if (auto e = nss_add_module(modutil, profile, kNssModuleName, rec.module_path)) return abort_with(*e);
      Registration g;
      g.kind = Registration::Kind::firefox_nss;
      g.path = profile;
      g.name = kNssModuleName;
      g.libfile = rec.module_path;
      rec.registrations.push_back(g);
    }
  }

  if (auto e = write_install_record(target.string(), rec)) return abort_with(*e);
  rollback.commit();
  drop_staging();  // the previous version's files, now replaced

  Json regs = Json::array();
  for (const auto& g : rec.registrations) regs.push_back(Json{{"kind", g.kind == Registration::Kind::p11kit_module ? "p11kit-module" : "firefox-nss"}, {"path", g.path}});
  ev["registrations"] = regs;
  if (geteuid() == 0 && !o.paths.system_wide)
    ev["note"] = "p11-kit ignores per-user module files in programs running as root; use --system for those";
  ev["installed_version"] = rec.version.str();
  ev["files"] = rec.files.size();
  ev["sha256"] = file.sha256;
  const Text summary{"已安裝 HiCOS 元件 " + rec.version.str(), "Installed the HiCOS components " + rec.version.str()};
  if (package.sha256.empty()) warnings.insert(warnings.begin(), "INSTALL-HASH-UNKNOWN");
  ev["warnings"] = warnings;
  CheckResult r = warnings.empty() ? CheckResult::pass(summary, ev)
                                   : CheckResult::warning(warnings.front(), summary, ev,
                                                          warnings.front() == "INSTALL-HASH-UNKNOWN"
                                                              ? "computed sha256 " + file.sha256
                                                              : std::string());
  r.id = "installer.install";
  r.title = kInstallTitle;
  return r;
}

CheckResult uninstall_hicos(const InstallPaths& paths, const std::string& modutil_name) {
  auto done = [](CheckResult r) {
    r.id = "installer.uninstall";
    r.title = kUninstallTitle;
    return r;
  };
  const fs::path target = fs::path(paths.target_dir).lexically_normal();
  auto rec = read_install_record(target.string());
  if (!rec) return done(CheckResult::from_error(rec.error(), {"安裝紀錄損壞，未移除任何東西", "Install record damaged; nothing removed"}));
  if (!*rec)
    return done(CheckResult::warning("INSTALL-NOTHING-TO-REMOVE", {"沒有 CertWiz 安裝的 HiCOS 元件", "Nothing installed by CertWiz"},
                                     Json{{"target_dir", target.string()}}));
  const InstallRecord& r = **rec;
  std::vector<std::string> problems, removed, kept;
  std::error_code ec;
  const std::string modutil = find_program(modutil_name);
  for (const auto& g : r.registrations) {
    if (g.kind == Registration::Kind::p11kit_module) {
      // Only the file CertWiz wrote, unchanged since; anything else is someone else's.
      if (fs::path(g.path).filename() != kP11KitModuleFileName) {
        problems.push_back("refused to remove unexpected registration " + g.path);
        continue;
      }
      if (!fs::exists(g.path, ec)) continue;
      if (sha256_file(g.path) != g.content_sha256) {
        kept.push_back(g.path);
        continue;
      }
      if (fs::remove(g.path, ec); ec) problems.push_back(g.path + ": " + ec.message());
      else removed.push_back(g.path);
    } else {
      if (modutil.empty()) {
        problems.push_back("modutil missing: cannot remove the module from Firefox profile " + g.path);
        continue;
      }
      if (!nss_has_module(modutil, g.path, g.name)) continue;
      if (auto e = nss_delete_module(modutil, g.path, g.name)) problems.push_back(e->detail);
      else removed.push_back("firefox:" + g.path);
    }
  }
  for (const auto& f : r.files) {
    const fs::path p = target / f;
    if (!fs::exists(fs::symlink_status(p, ec))) continue;
    if (fs::remove(p, ec); ec) problems.push_back(p.string() + ": " + ec.message());
  }
  std::vector<std::string> dirs = r.dirs;
  std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& d : dirs) {
    const fs::path p = target / d;
    if (fs::is_directory(p, ec) && fs::is_empty(p, ec)) fs::remove(p, ec);
    else if (fs::exists(p, ec)) kept.push_back(p.string());
  }
  fs::remove(target / kRecordFileName, ec);
  if (fs::is_directory(target, ec) && fs::is_empty(target, ec)) {
    fs::remove(target, ec);
    // The certwiz/ folder around it was made by the install too (nothing else lives there).
    if (target.parent_path().filename() == "certwiz" && fs::is_empty(target.parent_path(), ec))
      fs::remove(target.parent_path(), ec);
  } else if (fs::exists(target, ec)) {
    kept.push_back(target.string());
  }
  Json ev{{"target_dir", target.string()}, {"version", r.version.str()}, {"files", r.files.size()},
          {"registrations_removed", removed}, {"kept_not_ours", kept}, {"problems", problems}};
  if (!problems.empty())
    return done(CheckResult::failure("INSTALL-WRITE-FAILED", {"部分項目無法移除", "Some items could not be removed"}, ev,
                                     problems.front()));
  return done(CheckResult::pass({"已移除 HiCOS 元件 " + r.version.str(), "Removed the HiCOS components " + r.version.str()}, ev));
}

}  // namespace certwiz::installer

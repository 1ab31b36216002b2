// Linux: CertWiz unpacks the package itself into a folder of its own, registers the
// PKCS#11 module with p11-kit (and Firefox on request), and checks that it loads.
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "installer/install.h"
#include "installer/titles.h"
#include "installer/process.h"
#include "installer/registration.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {


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

// The install journal makes an install crash-safe. It is written (and synced) before the
// first change anyone could see and removed only after the record, so a run killed at any
// point is undone by the next one (recover_interrupted_install). A failed install is
// undone by the same code. Order of an install:
//   unpack into staging (+ marker) → journal → swap staging and target → p11-kit file →
//   vendor script → verify → Firefox → record → remove journal → remove marker, staging.
// The marker file inside the new tree tells whether the swap happened; the record next
// to it says the install was committed.
constexpr const char* kJournalFileName = ".hicos-install-journal.json";
constexpr const char* kNewTreeMarker = ".certwiz-install-pending";
constexpr const char* kStagingPrefix = ".hicos-staging-";

struct Journal {
  fs::path staging;     // the new tree before the swap, the previous one after it
  bool target_existed = false;
  ModuleFileState p11kit_before;
  std::vector<std::pair<std::string, std::string>> firefox;  // profile → previous library ("" none)
  std::string modutil;  // resolved, when there are Firefox profiles to touch
};

fs::path journal_path(const fs::path& target) { return target.parent_path() / kJournalFileName; }

std::optional<Error> sync_file_and_folder(const fs::path& file) {
  for (const fs::path& p : {file, file.parent_path()}) {
    const int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{"INSTALL-WRITE-FAILED", "open " + p.string() + ": " + std::strerror(errno)};
    const int rc = fsync(fd);
    close(fd);
    if (rc != 0) return Error{"INSTALL-WRITE-FAILED", "fsync " + p.string() + ": " + std::strerror(errno)};
  }
  return std::nullopt;
}

std::optional<Error> write_journal(const fs::path& target, const Journal& j) {
  Json firefox = Json::array();
  for (const auto& [profile, lib] : j.firefox) firefox.push_back(Json{{"profile", profile}, {"previous_libfile", lib}});
  const Json doc{{"format", 1},
                 {"staging", j.staging.string()},
                 {"target_existed", j.target_existed},
                 {"p11kit_before", Json{{"path", j.p11kit_before.path},
                                        {"exists", j.p11kit_before.exists},
                                        {"content", j.p11kit_before.content}}},
                 {"firefox", firefox},
                 {"modutil", j.modutil}};
  const fs::path p = journal_path(target);
  const fs::path tmp = p.string() + ".tmp";
  try {
    std::ofstream f(tmp, std::ios::trunc);
    f << doc.dump(2) << '\n';
    f.flush();
    if (!f) return Error{"INSTALL-WRITE-FAILED", "cannot write " + tmp.string()};
  } catch (const Json::exception& e) {
    return Error{"INSTALL-WRITE-FAILED", std::string("install journal: ") + e.what()};
  }
  if (auto e = sync_file_and_folder(tmp)) return e;
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) return Error{"INSTALL-WRITE-FAILED", "rename " + tmp.string() + ": " + ec.message()};
  return sync_file_and_folder(p);
}

Expected<std::optional<Journal>> read_journal(const fs::path& target) {
  const fs::path p = journal_path(target);
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::optional<Journal>{};
  std::ifstream f(p);
  const Json doc = Json::parse(f, nullptr, false);
  Journal j;
  try {
    if (doc.is_discarded() || doc.value("format", 0) != 1) throw std::runtime_error("not a format-1 journal");
    j.staging = doc.at("staging").get<std::string>();
    j.target_existed = doc.at("target_existed").get<bool>();
    const Json& before = doc.at("p11kit_before");
    j.p11kit_before.path = before.at("path").get<std::string>();
    j.p11kit_before.exists = before.at("exists").get<bool>();
    j.p11kit_before.content = before.at("content").get<std::string>();
    for (const auto& ff : doc.at("firefox"))
      j.firefox.emplace_back(ff.at("profile").get<std::string>(), ff.at("previous_libfile").get<std::string>());
    j.modutil = doc.value("modutil", "");
  } catch (const std::exception& e) {
    return Error{"INSTALL-ROLLBACK-FAILED", p.string() + ": " + e.what()};
  }
  // The journal may only name a staging folder next to the target (a tampered one must
  // not make recovery move or delete anything else).
  if (j.staging.parent_path() != target.parent_path() ||
      j.staging.filename().string().rfind(kStagingPrefix, 0) != 0 ||
      fs::path(j.p11kit_before.path).filename() != kP11KitModuleFileName)
    return Error{"INSTALL-ROLLBACK-FAILED", p.string() + " names paths CertWiz does not use"};
  return std::optional<Journal>(std::move(j));
}

bool exists_no_follow(const fs::path& p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

// Puts everything the journal covers back as it was; answers what could not be restored.
std::vector<std::string> undo_install(const fs::path& target, const Journal& j) {
  std::vector<std::string> problems;
  std::error_code ec;
  const bool swapped = exists_no_follow(target / kNewTreeMarker);
  // Firefox first (its module entries point into the new tree), then p11-kit, then the files.
  for (const auto& [profile, previous] : j.firefox) {
    if (j.modutil.empty()) {
      problems.push_back("modutil missing: cannot restore Firefox profile " + profile);
      continue;
    }
    const auto lib = nss_module_libfile(j.modutil, profile, kNssModuleName);
    if (lib && *lib != previous)
      if (auto e = nss_delete_module(j.modutil, profile, kNssModuleName)) problems.push_back(e->code + " " + e->detail);
  }
  if (auto e = restore_module_file(j.p11kit_before)) problems.push_back("p11-kit: " + e->code + " " + e->detail);
  if (swapped) {
    if (j.target_existed) {
      if (renameat2(AT_FDCWD, j.staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
        problems.push_back(std::string("exchange back ") + target.string() + ": " + std::strerror(errno));
    } else {
      fs::rename(target, j.staging, ec);  // dropped with the staging folder below
      if (ec) problems.push_back("move away " + target.string() + ": " + ec.message());
    }
  }
  // modutil loads the module it adds: the previous one can only be re-added once its files are back.
  for (const auto& [profile, previous] : j.firefox) {
    if (previous.empty() || j.modutil.empty()) continue;
    if (nss_module_libfile(j.modutil, profile, kNssModuleName) == std::optional<std::string>(previous)) continue;
    if (auto e = nss_add_module(j.modutil, profile, kNssModuleName, previous)) problems.push_back(e->code + " " + e->detail);
  }
  if (problems.empty()) {
    fs::remove_all(j.staging, ec);
    fs::remove(journal_path(target), ec);
  }
  return problems;
}

// After the record: the journal goes first (from then on the install counts as done),
// then the marker and the previous version's files.
void finish_commit(const fs::path& target, const fs::path& staging) {
  std::error_code ec;
  fs::remove(journal_path(target), ec);
  sync_file_and_folder(target.parent_path() / ".");
  fs::remove(target / kNewTreeMarker, ec);
  fs::remove_all(staging, ec);
}

void remove_stale_staging(const fs::path& parent) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind(kStagingPrefix, 0) == 0 && it->is_directory(ec) && !it->is_symlink(ec))
      stale.push_back(it->path());
  for (const auto& p : stale) fs::remove_all(p, ec);
}

// The library a CertWiz p11-kit module file points at ("" when the file is not CertWiz's).
std::string module_file_library(const std::string& content) {
  if (!is_certwiz_module_file(content)) return {};
  const auto at = content.find("\nmodule: ");
  if (at == std::string::npos) return {};
  const auto end = content.find('\n', at + 9);
  return content.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9);
}

// One install at a time per folder: recovery must not undo a run that is still going.
// The lock is flock on the folder itself, so no lock file is left behind.
class InstallLock {
 public:
  explicit InstallLock(const fs::path& parent) {
    fd_ = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    locked_ = fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~InstallLock() {
    if (fd_ >= 0) close(fd_);  // releases the lock
  }
  InstallLock(const InstallLock&) = delete;
  InstallLock& operator=(const InstallLock&) = delete;
  // True when another CertWiz holds it.
  bool busy() const { return fd_ >= 0 && !locked_; }

 private:
  int fd_ = -1;
  bool locked_ = false;
};

Expected<Json> recover_locked(const fs::path& target) {
  Json done = Json::object();
  auto journal = read_journal(target);
  if (!journal) return journal.error();
  if (*journal) {
    const Journal& j = **journal;
    if (exists_no_follow(target / kNewTreeMarker) && exists_no_follow(target / kRecordFileName)) {
      finish_commit(target, j.staging);  // killed after the record: the install is complete
      done["completed"] = target.string();
    } else {
      auto problems = undo_install(target, j);
      if (!problems.empty())
        return Error{"INSTALL-ROLLBACK-FAILED", "interrupted install at " + target.string() + ": " + problems.front()};
      done["undone"] = target.string();
    }
  } else if (exists_no_follow(target / kNewTreeMarker) && exists_no_follow(target / kRecordFileName)) {
    std::error_code ec;
    fs::remove(target / kNewTreeMarker, ec);  // killed between removing the journal and the marker
  }
  std::error_code ec;
  if (fs::is_directory(target.parent_path(), ec)) {
    for (auto it = fs::directory_iterator(target.parent_path(), ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      if (it->path().filename().string().rfind(kStagingPrefix, 0) == 0) done["stale_staging_removed"] = true;
    remove_stale_staging(target.parent_path());
  }
  return done;
}

}  // namespace

Expected<Json> recover_interrupted_install(const InstallPaths& paths, const std::string&) {
  const fs::path target = fs::path(paths.target_dir).lexically_normal();
  std::error_code ec;
  if (!fs::is_directory(target.parent_path(), ec)) return Json::object();
  InstallLock lock(target.parent_path());
  if (lock.busy()) return Json::object();  // another CertWiz is installing: its staging is not stale
  return recover_locked(target);
}

bool install_interrupted(const InstallPaths& paths) {
  std::error_code ec;
  return fs::exists(journal_path(fs::path(paths.target_dir).lexically_normal()), ec);
}

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
  InstallLock lock(parent);
  if (lock.busy()) return fail(Error{"INSTALL-WRITE-FAILED", "another CertWiz is installing into " + parent.string()}, ev);
  if (auto recovered = recover_locked(target); !recovered) return fail(recovered.error(), ev);

  // The previous installation, if CertWiz made one; a folder CertWiz did not make is left alone.
  auto previous = read_install_record(target.string());
  if (!previous) return fail(previous.error(), ev);
  const bool target_exists = fs::exists(target, ec);
  if (target_exists && !*previous && !fs::is_empty(target, ec))
    return fail(Error{"INSTALL-TARGET-NOT-OURS", target.string()}, ev);
  if (*previous) ev["previous_version"] = (*previous)->version.str();

  phase(InstallPhase::unpack);
  // Unpack next to the target (same filesystem) so it can be swapped in with one rename.
  std::string staging_template = (parent / (std::string(kStagingPrefix) + "XXXXXX")).string();
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
  // A package may not bring its own record or marker: either would fake a committed install.
  fs::remove_all(staging / kRecordFileName, ec);
  fs::remove_all(staging / kNewTreeMarker, ec);

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

  // Everything that could refuse the install is checked before anything visible changes.
  Journal journal;
  journal.staging = staging;
  journal.target_existed = target_exists;
  journal.p11kit_before = read_module_file(o.paths.p11kit_modules_dir);
  if (journal.p11kit_before.exists && !is_certwiz_module_file(journal.p11kit_before.content)) {
    drop_staging();
    return fail(Error{"INSTALL-REGISTER-CONFLICT", journal.p11kit_before.path}, ev);
  }
  // Firefox: profiles asked for now, plus those the previous version was registered in.
  std::vector<std::string> warnings;
  if (*previous)
    for (const auto& g : (*previous)->registrations)
      if (g.kind == Registration::Kind::firefox_nss) journal.firefox.emplace_back(g.path, g.libfile);
  if (o.firefox) {
    bool any = false;
    for (const auto& p : find_firefox_profiles(o.paths.firefox_dir))
      if (p.has_sql_db) {
        any = true;
        if (std::none_of(journal.firefox.begin(), journal.firefox.end(), [&](const auto& f) { return f.first == p.path; }))
          journal.firefox.emplace_back(p.path, "");
      }
    if (!any) warnings.push_back("INSTALL-NO-FIREFOX-PROFILE");
  }
  if (!journal.firefox.empty()) {
    journal.modutil = find_program(o.modutil);
    if (journal.modutil.empty()) {
      drop_staging();
      return fail(Error{"INSTALL-MODUTIL-MISSING", o.modutil + " not on PATH"}, ev);
    }
  }
  if (o.download.cancel.cancelled()) {
    drop_staging();
    return fail(Error{"INSTALL-CANCELLED", "before installing"}, ev);
  }
  {
    std::ofstream marker(staging / kNewTreeMarker);
    marker << "CertWiz is installing this folder; it is not complete until " << kRecordFileName << " is here.\n";
    if (!marker) {
      drop_staging();
      return fail(Error{"INSTALL-WRITE-FAILED", "cannot write " + (staging / kNewTreeMarker).string()}, ev);
    }
  }
  if (auto e = sync_file_and_folder(staging / kNewTreeMarker)) {
    drop_staging();
    return fail(*e, ev);
  }
  if (auto e = write_journal(target, journal)) {
    drop_staging();
    std::error_code rm;
    fs::remove(journal_path(target), rm);
    return fail(*e, ev);
  }
  crash_if_asked("unpack");

  // From here on a failure (or a crash, on the next run) is undone from the journal.
  auto abort_with = [&](Error e) {
    phase(InstallPhase::rollback);
    auto failures = undo_install(target, journal);
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
      return abort_with(map_fs_error(e, "exchange " + target.string(), o.paths.system_wide));
    }
  } else {
    fs::rename(staging, target, ec);
    if (ec) return abort_with(map_fs_error(ec, "rename to " + target.string(), o.paths.system_wide));
  }

  auto reg = write_module_file(o.paths.p11kit_modules_dir, rec.module_path);
  if (!reg) {
    Error e = reg.error();
    if (o.paths.system_wide && access(o.paths.p11kit_modules_dir.c_str(), W_OK) != 0) e.code = "INSTALL-NEEDS-ADMIN";
    return abort_with(e);
  }
  rec.registrations.push_back(*reg);
  crash_if_asked("register");

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

  for (const auto& [profile, old_lib] : journal.firefox) {
    if (!old_lib.empty() || nss_has_module(journal.modutil, profile, kNssModuleName))
      nss_delete_module(journal.modutil, profile, kNssModuleName);
    if (auto e = nss_add_module(journal.modutil, profile, kNssModuleName, rec.module_path)) return abort_with(*e);
    Registration g;
    g.kind = Registration::Kind::firefox_nss;
    g.path = profile;
    g.name = kNssModuleName;
    g.libfile = rec.module_path;
    rec.registrations.push_back(g);
  }
  crash_if_asked("verify");

  // The record last: only now does the install count as done.
  if (auto e = write_install_record(target.string(), rec)) return abort_with(*e);
  if (auto e = sync_file_and_folder(target / kRecordFileName)) return abort_with(*e);
  crash_if_asked("record");
  finish_commit(target, staging);  // also drops the previous version's files, now replaced

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
  std::error_code ec;
  InstallLock lock(target.parent_path());
  if (lock.busy())
    return done(CheckResult::failure("INSTALL-WRITE-FAILED", {"另一個 CertWiz 正在安裝", "Another CertWiz is installing"},
                                     Json{{"target_dir", target.string()}}));
  if (fs::is_directory(target.parent_path(), ec)) {
    auto recovered = recover_locked(target);
    if (!recovered)
      return done(CheckResult::from_error(recovered.error(), {"無法還原上次中斷的安裝", "Could not undo the interrupted installation"}));
  }
  // A CertWiz registration whose library is gone (left by an older CertWiz killed midway):
  // removed whatever the record says, since it can only make programs fail to load it.
  std::vector<std::string> dangling;
  auto remove_dangling = [&] {
    const ModuleFileState now = read_module_file(paths.p11kit_modules_dir);
    const std::string lib = now.exists ? module_file_library(now.content) : std::string();
    if (!lib.empty() && !exists_no_follow(lib) && fs::remove(now.path, ec)) dangling.push_back(now.path);
  };
  auto rec = read_install_record(target.string());
  if (!rec) return done(CheckResult::from_error(rec.error(), {"安裝紀錄損壞，未移除任何東西", "Install record damaged; nothing removed"}));
  if (!*rec) {
    remove_dangling();
    if (!dangling.empty())
      return done(CheckResult::pass({"已移除指向不存在檔案的 p11-kit 登錄", "Removed a p11-kit registration pointing at a missing library"},
                                    Json{{"target_dir", target.string()}, {"registrations_removed", dangling}}));
    return done(CheckResult::warning("INSTALL-NOTHING-TO-REMOVE", {"沒有 CertWiz 安裝的 HiCOS 元件", "Nothing installed by CertWiz"},
                                     Json{{"target_dir", target.string()}}));
  }
  const InstallRecord& r = **rec;
  std::vector<std::string> problems, removed, kept;
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
  remove_dangling();
  removed.insert(removed.end(), dangling.begin(), dangling.end());
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

#include "installer/registration.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "installer/download.h"
#include "installer/process.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kMarker = "# Written by CertWiz (certwiz install-hicos)";

std::string read_all(const fs::path& p, bool& ok) {
  std::ifstream f(p, std::ios::binary);
  ok = static_cast<bool>(f);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::optional<Error> write_atomically(const fs::path& p, const std::string& text) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  if (ec) return Error{"INSTALL-REGISTER-FAILED", p.parent_path().string() + ": " + ec.message()};
  const fs::path tmp = p.string() + ".certwiz-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      fs::remove(tmp, ec);
      return Error{"INSTALL-REGISTER-FAILED", "cannot write " + tmp.string()};
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error{"INSTALL-REGISTER-FAILED", "rename to " + p.string() + ": " + ec.message()};
  }
  return std::nullopt;
}
}  // namespace

std::string p11kit_module_text(const std::string& module_path) {
  return std::string(kMarker) + "; removed by certwiz uninstall-hicos.\nmodule: " + module_path + "\n";
}

bool is_certwiz_module_file(const std::string& text) { return text.rfind(kMarker, 0) == 0; }

ModuleFileState read_module_file(const std::string& modules_dir) {
  ModuleFileState s;
  s.path = (fs::path(modules_dir) / kP11KitModuleFileName).string();
  std::error_code ec;
  if (fs::exists(s.path, ec)) {
    bool ok = false;
    s.content = read_all(s.path, ok);
    s.exists = true;
  }
  return s;
}

Expected<Registration> write_module_file(const std::string& modules_dir, const std::string& module_path) {
  Registration r;
  r.kind = Registration::Kind::p11kit_module;
  r.path = (fs::path(modules_dir) / kP11KitModuleFileName).string();
  r.libfile = module_path;
  const std::string text = p11kit_module_text(module_path);
  if (auto e = write_atomically(r.path, text)) return *e;
  r.content_sha256 = sha256_file(r.path);
  return r;
}

std::optional<Error> restore_module_file(const ModuleFileState& before) {
  std::error_code ec;
  if (!before.exists) {
    fs::remove(before.path, ec);
    if (ec) return Error{"INSTALL-ROLLBACK-FAILED", "remove " + before.path + ": " + ec.message()};
    return std::nullopt;
  }
  return write_atomically(before.path, before.content);
}

std::vector<FirefoxProfile> parse_profiles_ini(const std::string& text, const std::string& firefox_dir) {
  std::vector<FirefoxProfile> out;
  std::istringstream in(text);
  std::string line;
  bool in_profile = false;
  FirefoxProfile cur;
  bool relative = true;
  auto flush = [&] {
    if (in_profile && !cur.path.empty()) {
      fs::path p = relative ? fs::path(firefox_dir) / cur.path : fs::path(cur.path);
      cur.path = p.lexically_normal().string();
      std::error_code ec;
      cur.has_sql_db = fs::exists(fs::path(cur.path) / "cert9.db", ec);
      out.push_back(cur);
    }
    cur = {};
    relative = true;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    if (line[0] == '[') {
      flush();
      in_profile = line.rfind("[Profile", 0) == 0;
      continue;
    }
    if (!in_profile) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "Name") cur.name = value;
    else if (key == "Path") cur.path = value;
    else if (key == "IsRelative") relative = value != "0";
  }
  flush();
  return out;
}

std::vector<FirefoxProfile> find_firefox_profiles(const std::string& firefox_dir) {
  bool ok = false;
  const std::string text = read_all(fs::path(firefox_dir) / "profiles.ini", ok);
  if (!ok) return {};
  return parse_profiles_ini(text, firefox_dir);
}

std::optional<Error> nss_add_module(const std::string& modutil, const std::string& profile_dir,
                                    const std::string& name, const std::string& libfile) {
  // -force: no "close the browser" prompt (stdin is empty anyway).
  auto r = run_process({modutil, "-dbdir", "sql:" + profile_dir, "-add", name, "-libfile", libfile, "-force"});
  if (!r.started) return Error{"INSTALL-MODUTIL-MISSING", r.error};
  if (r.exit_code != 0)
    return Error{"INSTALL-FIREFOX-FAILED", "modutil -add in " + profile_dir + " exited " +
                                               std::to_string(r.exit_code) + ": " + r.output};
  return std::nullopt;
}

std::optional<Error> nss_delete_module(const std::string& modutil, const std::string& profile_dir,
                                       const std::string& name) {
  auto r = run_process({modutil, "-dbdir", "sql:" + profile_dir, "-delete", name, "-force"});
  if (!r.started) return Error{"INSTALL-MODUTIL-MISSING", r.error};
  if (r.exit_code != 0)
    return Error{"INSTALL-FIREFOX-FAILED", "modutil -delete in " + profile_dir + " exited " +
                                               std::to_string(r.exit_code) + ": " + r.output};
  return std::nullopt;
}

std::optional<std::string> parse_modutil_list(const std::string& output, const std::string& name) {
  // "  2. HiCOS PKI Smart Card\n\tlibrary name: /path/lib.so\n"
  std::istringstream in(output);
  std::string line;
  bool in_module = false;
  while (std::getline(in, line)) {
    const auto dot = line.find(". ");
    const bool heading = dot != std::string::npos && dot > 0 &&
                         line.find_first_not_of(" 0123456789") == dot;
    if (heading) {
      if (in_module) return std::string();  // the next module began: this one has no library line
      in_module = line.substr(dot + 2) == name;
      continue;
    }
    if (!in_module) continue;
    const auto at = line.find("library name: ");
    if (at != std::string::npos) return line.substr(at + 14);
  }
  if (in_module) return std::string();  // the built-in module has no library line
  return std::nullopt;
}

std::optional<std::string> nss_module_libfile(const std::string& modutil, const std::string& profile_dir,
                                              const std::string& name) {
  auto r = run_process({modutil, "-dbdir", "sql:" + profile_dir, "-list", "-force"});
  if (!r.started || r.exit_code != 0) return std::nullopt;
  return parse_modutil_list(r.output, name);
}

bool nss_has_module(const std::string& modutil, const std::string& profile_dir, const std::string& name) {
  return nss_module_libfile(modutil, profile_dir, name).has_value();
}

}  // namespace certwiz::installer

#include "installer/status.h"
#include "installer/titles.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checks/profile/site_profile.h"
#include "checks/localsign/client.h"
#include "checks/localsign/localsign_checks.h"
#include "checks/pkcs11/discovery.h"
#include "installer/registration.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {


std::string read_text(const fs::path& p, size_t max = 1 << 20) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::string s(max, '\0');
  in.read(s.data(), static_cast<std::streamsize>(max));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

bool inside(const std::string& file, const std::string& dir) {
  if (dir.empty()) return false;
  std::error_code ec;
  const fs::path f = fs::weakly_canonical(file, ec);
  const fs::path d = fs::weakly_canonical(dir, ec);
  auto [mismatch, rest] = std::mismatch(d.begin(), d.end(), f.begin(), f.end());
  (void)rest;
  return mismatch == d.end();
}

Json list(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

}  // namespace

std::vector<std::string> parse_nss_pkcs11_txt(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("library=", 0) != 0) continue;
    std::string lib = line.substr(8);
    if (lib.size() >= 2 && lib.front() == '"' && lib.back() == '"') lib = lib.substr(1, lib.size() - 2);
    if (!lib.empty() && pkcs11::looks_like_hicos_module(fs::path(lib).filename().string())) out.push_back(lib);
  }
  return out;
}

bool HicosFindings::vendor_traces() const {
  return !vendor_module_files.empty() || !component_dirs.empty() || !p11kit_registrations.empty() ||
         !firefox_registrations.empty() || component_version.has_value();
}

HicosFindings find_hicos(const HicosStatusOptions& o) {
  HicosFindings f;
  const std::string& root = o.system_root;
  // CertWiz's own folder comes from the environment (HOME, XDG_DATA_HOME), which a test
  // sets itself; the search lists it too, under the root.
  const std::string& certwiz_dir = o.paths.target_dir;
  auto ours = [&](const std::string& file) {
    return inside(file, certwiz_dir) || inside(file, pkcs11::under_root(root, certwiz_dir));
  };
  if (auto rec = read_install_record(certwiz_dir); !rec) f.record_error = rec.error();
  else if (*rec) f.record = **rec;

  // The module files, through the very search checks/pkcs11 uses.
  for (const auto& c : pkcs11::find_hicos_modules(pkcs11::under_root(root, pkcs11::hicos_search_roots())))
    (ours(c.path) ? f.certwiz_module_files : f.vendor_module_files).push_back(c.path);

  for (const auto& d : vendor_locations().component_dirs) {
    const std::string p = pkcs11::under_root(root, d);
    std::error_code ec;
    if (fs::exists(p, ec)) f.component_dirs.push_back(p);
  }

  // p11-kit registrations naming a HiCOS module; CertWiz's own .module file is its install, not a vendor's.
  for (const auto& dir : pkcs11::p11kit_config_dirs()) {
    const std::string d = pkcs11::under_root(root, dir);
    for (const auto& c : pkcs11::read_p11kit_modules({d}, {})) {
      if (!c.hicos) continue;
      const std::string file = c.source.substr(c.source.find(':') + 1);
      if (is_certwiz_module_file(read_text(file, 4096))) continue;
      f.p11kit_registrations.push_back(file);
    }
  }

  // Firefox profiles whose NSS database (pkcs11.txt) loads a HiCOS module, outside CertWiz's folder.
  for (const auto& dir : vendor_locations().firefox_dirs) {
    for (const auto& profile : find_firefox_profiles(pkcs11::under_root(root, dir))) {
      bool vendor = false;
      for (const auto& lib : parse_nss_pkcs11_txt(read_text(fs::path(profile.path) / "pkcs11.txt")))
        if (!ours(lib)) vendor = true;
      if (vendor) f.firefox_registrations.push_back(profile.path);
    }
  }

  if (!o.localsign_url.empty()) {
    localsign::Client client(o.localsign_url, o.timeout);
    auto v = client.version();
    if (v) f.component_version = *v;
    else f.component_error = v.error().code;
  }
  return f;
}

Json to_json(const HicosInstallation& h) {
  const HicosFindings& f = h.found;
  Json ev{{"certwiz_install", f.record ? Json{{"version", f.record->version.str()}, {"target_dir", f.record->target_dir},
                                              {"module_path", f.record->module_path}}
                                       : Json(nullptr)},
          {"vendor_module_files", list(f.vendor_module_files)},
          {"component_dirs", list(f.component_dirs)},
          {"p11kit_registrations", list(f.p11kit_registrations)},
          {"firefox_registrations", list(f.firefox_registrations)},
          {"component_version", f.component_version ? Json(*f.component_version) : Json(nullptr)}};
  if (!f.component_error.empty()) ev["component_error"] = f.component_error;
  if (h.site_minimum) ev["site_minimum"] = *h.site_minimum;
  if (h.offered_version) ev["offered_version"] = *h.offered_version;
  if (!h.source.empty()) ev["source"] = h.source;
  if (h.installed_version) ev["installed_version"] = *h.installed_version;
  if (f.record && f.vendor_traces()) ev["also_vendor_install"] = true;
  if (!h.state.empty()) ev["state"] = h.state;
  return ev;
}

CheckResult hicos_status(const HicosFindings& f, const HicosStatusOptions& o, const Manifest* manifest) {
  HicosInstallation h;
  h.found = f;
  h.site_minimum = o.site_minimum;
  const Package* pkg = manifest ? select_package(*manifest, current_os(), current_arch()) : nullptr;
  if (pkg) h.offered_version = pkg->version.str();
  auto titled = [&h](CheckResult r) {
    r.id = "installer.status";
    r.title = kStatusTitle;
    r.evidence = to_json(h);
    r.set_model(std::move(h));
    return r;
  };

  if (f.record_error && !f.vendor_traces())
    return titled(CheckResult::from_error(*f.record_error, {"安裝紀錄損壞", "Install record damaged"}));

  // CertWiz's own install: its record knows the version; the manifest and the site say whether it is enough.
  if (f.record) {
    const std::string v = f.record->version.str();
    h.source = "certwiz";
    h.installed_version = v;
    const bool below_site = o.site_minimum && compare_versions(v, *o.site_minimum) < 0;
    const VersionState state = pkg ? compare_installed(f.record->version, pkg->version) : VersionState::up_to_date;
    h.state = below_site ? "below site minimum" : std::string(version_state_name(state));
    if (below_site || state == VersionState::update_available) {
      const std::string target = pkg && compare_installed(f.record->version, pkg->version) == VersionState::update_available
                                     ? pkg->version.str()
                                     : *o.site_minimum;
      return titled(CheckResult::warning(
          "INSTALL-UPDATE-AVAILABLE",
          {"已安裝 " + v + "（CertWiz 安裝），應更新到 " + target, "Installed " + v + " (CertWiz); update to " + target}));
    }
    return titled(CheckResult::pass({"已安裝 " + v + "（CertWiz 安裝）", "Installed " + v + " (CertWiz)"}));
  }

  // A vendor installation: the running component tells its version.
  if (f.vendor_traces()) {
    h.source = "vendor installer";
    if (!f.component_version) {
      h.state = "version unknown";
      return titled(CheckResult::pass({"已安裝（廠商安裝程式），版本不明：跨平台網頁元件沒有回應",
                                       "Installed (vendor installer); version unknown: the local signing component does not answer"}));
    }
    const std::string& v = *f.component_version;
    h.installed_version = v;
    if (o.site_minimum && compare_versions(v, *o.site_minimum) < 0) {
      h.state = "below site minimum";
      return titled(CheckResult::warning("INSTALL-VENDOR-OUTDATED",
                                         {"已安裝 " + v + "（廠商安裝程式），比網站要求的 " + *o.site_minimum + " 舊",
                                          "Installed " + v + " (vendor installer), older than the " + *o.site_minimum +
                                              " the site requires"}));
    }
    h.state = "installed";
    // Only the component answers: say so, next to pkcs11.module's "no module found".
    if (f.vendor_module_files.empty() && f.certwiz_module_files.empty() && f.p11kit_registrations.empty() &&
        f.firefox_registrations.empty())
      return titled(CheckResult::pass({"已安裝 " + v + "（廠商安裝程式），但常見位置找不到它的 PKCS#11 模組",
                                       "Installed " + v + " (vendor installer), but its PKCS#11 module is not in the usual places"}));
    return titled(CheckResult::pass({"已安裝 " + v + "（廠商安裝程式）", "Installed " + v + " (vendor installer)"}));
  }

  h.state = "not installed";
  if (manifest && !pkg)
    return titled(CheckResult::failure("INSTALL-NO-PACKAGE", {"尚未安裝，也沒有適用於此平台的套件", "Not installed, and no package for this platform"}));
  return titled(CheckResult::warning("INSTALL-NOT-INSTALLED", {"尚未安裝", "Not installed"}));
}

CheckResult hicos_status(const HicosStatusOptions& o) {
  auto manifest = load_manifest("", DownloadOptions{});
  return hicos_status(find_hicos(o), o, manifest ? &*manifest : nullptr);
}

HicosStatusOptions hicos_status_options(const RunOptions& options) {
  HicosStatusOptions o;
  o.system_root = pkcs11::system_root();
  o.localsign_url = options.local_sign_url;
  o.timeout = std::min<std::chrono::milliseconds>(options.probe_timeout, std::chrono::seconds(5));
  if (auto p = load_site_profile(options.site_profile.empty() ? "default" : options.site_profile)) {
    o.site_name = p->name;
    if (auto it = p->min_localsign_version.find(std::string(localsign::this_os())); it != p->min_localsign_version.end())
      o.site_minimum = it->second;
  }
  return o;
}

Check hicos_status_check(const RunOptions& options) {
  Check c;
  c.id = "installer.status";
  c.title = kStatusTitle;
  const HicosStatusOptions o = hicos_status_options(options);
  c.timeout = o.timeout + std::chrono::seconds(10);
  c.run = [o](const CheckContext&) { return hicos_status(o); };
  return c;
}

}  // namespace certwiz::installer

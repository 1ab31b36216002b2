#include "installer/record.h"

#include <ctime>
#include <filesystem>
#include <fstream>

#include "checks/core/platform.h"
#include "installer/unpack.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {
std::string_view kind_name(Registration::Kind k) {
  return k == Registration::Kind::p11kit_module ? "p11kit-module" : "firefox-nss";
}
}  // namespace

std::string utc_now_iso8601() {
  const std::time_t t = std::time(nullptr);
  const std::tm tm = utc_calendar(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json to_json(const InstallRecord& r) {
  Json regs = Json::array();
  for (const auto& g : r.registrations) {
    Json j{{"kind", kind_name(g.kind)}, {"path", g.path}};
    if (!g.name.empty()) j["name"] = g.name;
    if (!g.libfile.empty()) j["libfile"] = g.libfile;
    if (!g.content_sha256.empty()) j["content_sha256"] = g.content_sha256;
    regs.push_back(std::move(j));
  }
  return Json{{"format", 1},
              {"written_by", "certwiz install-hicos"},
              {"package_id", r.package_id},
              {"version", r.version.str()},
              {"source_url", r.source_url},
              {"sha256", r.sha256},
              {"installed_at", r.installed_at},
              {"target_dir", r.target_dir},
              {"module_path", r.module_path},
              {"files", r.files},
              {"dirs", r.dirs},
              {"registrations", std::move(regs)},
              {"vendor_script_ran", r.vendor_script_ran}};
}

Expected<InstallRecord> install_record_from_json(const Json& j) {
  auto bad = [](std::string d) { return Error{"INSTALL-RECORD-INVALID", std::move(d)}; };
  if (!j.is_object() || j.value("format", 0) != 1) return bad("not a format-1 install record");
  InstallRecord r;
  try {
    r.package_id = j.at("package_id").get<std::string>();
    auto v = DottedVersion::parse(j.at("version").get<std::string>());
    if (!v) return bad("version is not a dotted number");
    r.version = *v;
    r.source_url = j.value("source_url", "");
    r.sha256 = j.value("sha256", "");
    r.installed_at = j.value("installed_at", "");
    r.target_dir = j.at("target_dir").get<std::string>();
    r.module_path = j.value("module_path", "");
    r.files = j.at("files").get<std::vector<std::string>>();
    r.dirs = j.at("dirs").get<std::vector<std::string>>();
    r.vendor_script_ran = j.value("vendor_script_ran", false);
    for (const auto& g : j.at("registrations")) {
      Registration reg;
      const std::string kind = g.at("kind").get<std::string>();
      if (kind == "p11kit-module") reg.kind = Registration::Kind::p11kit_module;
      else if (kind == "firefox-nss") reg.kind = Registration::Kind::firefox_nss;
      else return bad("unknown registration kind " + kind);
      reg.path = g.at("path").get<std::string>();
      reg.name = g.value("name", "");
      reg.libfile = g.value("libfile", "");
      reg.content_sha256 = g.value("content_sha256", "");
      if (reg.path.empty() || reg.path[0] != '/') return bad("registration path is not absolute: " + reg.path);
      r.registrations.push_back(std::move(reg));
    }
  } catch (const Json::exception& e) {
    return bad(e.what());
  }
  // A tampered record must not make uninstall delete outside the folder.
  for (const auto* list : {&r.files, &r.dirs})
    for (const auto& p : *list) {
      auto s = sanitize_entry_path(p);
      if (!s || s->empty() || *s != p) return bad("path leaves the install folder: " + p);
    }
  return r;
}

Expected<std::optional<InstallRecord>> read_install_record(const std::string& target_dir) {
  const fs::path p = fs::path(target_dir) / kRecordFileName;
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::optional<InstallRecord>{};
  std::ifstream f(p);
  Json j = Json::parse(f, nullptr, false);
  if (j.is_discarded()) return Error{"INSTALL-RECORD-INVALID", p.string() + " is not JSON"};
  auto r = install_record_from_json(j);
  if (!r) return r.error();
  return std::optional<InstallRecord>(std::move(*r));
}

std::optional<Error> write_install_record(const std::string& dir, const InstallRecord& r) {
  const fs::path p = fs::path(dir) / kRecordFileName;
  const fs::path tmp = fs::path(dir) / (std::string(kRecordFileName) + ".tmp");
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << to_json(r).dump(2) << '\n';
    f.flush();
    if (!f) return Error{"INSTALL-WRITE-FAILED", "cannot write " + tmp.string()};
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) return Error{"INSTALL-WRITE-FAILED", "rename " + tmp.string() + ": " + ec.message()};
  return std::nullopt;
}

}  // namespace certwiz::installer

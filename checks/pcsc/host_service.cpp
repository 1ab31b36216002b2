#include "checks/pcsc/host_service.h"


#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

namespace certwiz::pcsc {

namespace fs = std::filesystem;

namespace {
std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}
std::string link_target(const fs::path& p) {
  std::error_code ec;
  auto t = fs::read_symlink(p, ec);
  return ec ? std::string() : t.string();
}
// The names smart-card daemons run under: pcsc-lite's pcscd, and OpenCT's reader
// handlers, which claim the same USB readers.
std::string role_of(const std::string& comm) {
  if (comm == "pcscd") return "pcscd";
  if (comm == "ifdhandler" || comm == "openct-control") return "openct";
  return {};
}
}  // namespace

std::vector<DaemonProcess> scan_smartcard_daemons(const std::string& proc_root) {
  std::vector<DaemonProcess> out;
  if (proc_root.empty()) return out;
  const std::string self_ns = link_target(fs::path(proc_root) / "self" / "ns" / "mnt");
  std::error_code ec;
  for (fs::directory_iterator it(proc_root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
    const std::string comm = first_line(it->path() / "comm");
    const std::string role = role_of(comm);
    if (role.empty()) continue;
    // A daemon that was just stopped lingers as a zombie until reaped: not a competitor.
    const std::string stat = first_line(it->path() / "stat");
    if (const size_t paren = stat.rfind(')'); paren != std::string::npos && paren + 2 < stat.size() &&
                                              (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X'))
      continue;
    DaemonProcess d;
    d.pid = std::stoi(name.substr(0, 9));
    d.name = comm;
    d.role = role;
    // Unreadable namespace links (no permission) count as ours: better a warning too
    // many than a competitor missed.
    const std::string ns = link_target(it->path() / "ns" / "mnt");
    d.same_namespace = self_ns.empty() || ns.empty() || ns == self_ns;
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
  return out;
}

std::string competing_daemons(const std::vector<DaemonProcess>& daemons) {
  std::string pcscd_pids, openct_pids;
  int pcscd = 0;
  for (const auto& d : daemons) {
    if (!d.same_namespace) continue;
    std::string& list = d.role == "pcscd" ? pcscd_pids : openct_pids;
    if (d.role == "pcscd") ++pcscd;
    if (!list.empty()) list += ", ";
    list += std::to_string(d.pid);
  }
  std::string out;
  if (pcscd > 1) out = std::to_string(pcscd) + " pcscd processes: " + pcscd_pids;
  if (!openct_pids.empty()) out += (out.empty() ? "" : "; ") + std::string("OpenCT processes: ") + openct_pids;
  return out;
}

std::string dpkg_package_version(std::string_view text, std::string_view package) {
  // Paragraphs separated by blank lines; "Package:" then "Version:" inside one.
  bool in_pkg = false, installed = false;
  std::string version;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (in_pkg && installed && !version.empty()) return version;
      in_pkg = installed = false;
      version.clear();
    } else if (line.starts_with("Package: ")) {
      in_pkg = line.substr(9) == package;
    } else if (in_pkg && line.starts_with("Status: ")) {
      installed = line.ends_with(" installed");
    } else if (in_pkg && line.starts_with("Version: ")) {
      version = std::string(line.substr(9));
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return in_pkg && installed ? version : std::string();
}

Json to_json(const DaemonProcess& d) {
  return Json{{"pid", d.pid}, {"name", d.name}, {"role", d.role}, {"same_namespace", d.same_namespace}};
}

}  // namespace certwiz::pcsc

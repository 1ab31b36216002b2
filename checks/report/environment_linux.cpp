// Linux: /etc/os-release, uname, the passwd entry, getifaddrs and /sys/class/net.
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "checks/report/environment.h"

namespace certwiz::report {
namespace {

std::string os_release_name() {
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
      std::string v = line.substr(12);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

std::string env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

LocalIdentity local_identity() {
  LocalIdentity id;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found) {
    id.user_names.emplace_back(found->pw_name);
    std::string gecos = found->pw_gecos ? found->pw_gecos : "";
    gecos = gecos.substr(0, gecos.find(','));
    if (!gecos.empty()) id.user_names.push_back(gecos);
  }
  for (const char* var : {"USER", "LOGNAME", "SUDO_USER"})
    if (const char* v = std::getenv(var); v && *v) id.user_names.emplace_back(v);
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) {
    std::string h = host;
    id.host_names.push_back(h);
    if (auto dot = h.find('.'); dot != std::string::npos) id.host_names.push_back(h.substr(0, dot));
  }
  return id;
}

Json system_facts() {
  Json f = Json::object();
  f["os"] = os_release_name();
  utsname u{};
  if (uname(&u) == 0) {
    f["kernel"] = std::string(u.sysname) + " " + u.release;
    f["architecture"] = u.machine;
    f["hostname"] = u.nodename;
  }
  const LocalIdentity id = local_identity();
  f["user"] = id.user_names.empty() ? Json(nullptr) : Json(id.user_names.front());
  f["home"] = env_or_null("HOME");
  std::string locale = env_or_null("LC_ALL");
  if (locale.empty()) locale = env_or_null("LC_CTYPE");
  if (locale.empty()) locale = env_or_null("LANG");
  f["locale"] = locale.empty() ? "C" : locale;
  const std::string session = env_or_null("XDG_SESSION_TYPE");
  const std::string desktop = env_or_null("XDG_CURRENT_DESKTOP");
  f["desktop"] = desktop.empty() && session.empty() ? Json(nullptr) : Json(desktop + (session.empty() ? "" : " (" + session + ")"));

  // Interfaces with their addresses: whether there is any network besides loopback
  // explains many site failures. Addresses and MACs are redacted in reports.
  std::map<std::string, Json> ifs;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_name) continue;
      Json& e = ifs[a->ifa_name];
      if (e.is_null()) {
        e = Json{{"name", a->ifa_name}, {"up", (a->ifa_flags & IFF_UP) != 0}, {"addresses", Json::array()}};
        const std::string mac = read_first_line(std::string("/sys/class/net/") + a->ifa_name + "/address");
        if (!mac.empty() && mac != "00:00:00:00:00:00") e["mac"] = mac;
      }
      if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6)) continue;
      char addr[NI_MAXHOST] = {};
      const socklen_t len = a->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
      if (getnameinfo(a->ifa_addr, len, addr, sizeof addr, nullptr, 0, NI_NUMERICHOST) == 0)
        e["addresses"].push_back(addr);
    }
    freeifaddrs(list);
  }
  Json interfaces = Json::array();
  for (auto& [name, e] : ifs) interfaces.push_back(std::move(e));
  f["network_interfaces"] = interfaces;
  return f;
}

}  // namespace certwiz::report

// GNOME's proxy settings through gsettings (when installed); other desktops keep
// theirs in the environment, which proxy.cpp reads.
#include <cstdio>
#include <string>

#include "checks/net/proxy.h"

namespace certwiz::net {

namespace {
std::string gsettings_get(const std::string& schema, const std::string& key) {
  const std::string cmd = "gsettings get " + schema + " " + key + " 2>/dev/null";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {};
  char buf[512];
  std::string out;
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.size() >= 2 && out.front() == '\'' && out.back() == '\'') out = out.substr(1, out.size() - 2);
  return out;
}
}  // namespace

ProxyFacts desktop_proxies() {
  ProxyFacts f;
  if (std::system("command -v gsettings >/dev/null 2>&1") != 0) return f;
  f.desktop_mode = gsettings_get("org.gnome.system.proxy", "mode");
  if (f.desktop_mode == "manual") {
    const std::string host = gsettings_get("org.gnome.system.proxy.https", "host");
    const std::string port = gsettings_get("org.gnome.system.proxy.https", "port");
    if (!host.empty()) f.settings.push_back({"gsettings", "http://" + host + ":" + port});
  } else if (f.desktop_mode == "auto") {
    const std::string pac = gsettings_get("org.gnome.system.proxy", "autoconfig-url");
    if (!pac.empty()) f.settings.push_back({"gsettings:pac", pac});
  }
  return f;
}

}  // namespace certwiz::net

#include "checks/net/proxy.h"

#include <cstdlib>
#include <sstream>

namespace certwiz::net {

ProxyFacts environment_proxies() {
  ProxyFacts f;
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "http_proxy", "HTTP_PROXY"}) {
    const char* v = std::getenv(name);
    if (v && *v) f.settings.push_back({std::string("env:") + name, v});
  }
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    const char* v = std::getenv(name);
    if (v && *v && f.no_proxy.empty()) f.no_proxy = v;
  }
  return f;
}

bool no_proxy_matches(const std::string& no_proxy, const std::string& host) {
  std::stringstream ss(no_proxy);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    if (item == "*") return true;
    if (item.front() == '.') item.erase(item.begin());
    if (host == item) return true;
    if (host.size() > item.size() && host.compare(host.size() - item.size(), item.size(), item) == 0 &&
        host[host.size() - item.size() - 1] == '.')
      return true;
  }
  return false;
}

std::string effective_proxy(const std::string& explicit_proxy, const std::string& host, const ProxyFacts& env) {
  if (!explicit_proxy.empty()) return explicit_proxy == "direct" ? "" : explicit_proxy;
  if (no_proxy_matches(env.no_proxy, host)) return "";
  // libcurl reads https_proxy / all_proxy for https URLs (http_proxy only for http).
  for (const auto& s : env.settings)
    if (s.source.find("http_proxy") == std::string::npos && s.source.find("HTTP_PROXY") == std::string::npos) return s.url;
  return "";
}

}  // namespace certwiz::net

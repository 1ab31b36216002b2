#include "checks/net/proxy.h"

#include <algorithm>
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

namespace {

// One GVariant text value: 'quoted' or "quoted" (backslash escapes), [a list], or a bare word;
// a type annotation ("@as []", an empty list) is dropped.
std::string gvariant_text(std::string_view v) {
  if (!v.empty() && v.front() == '@') v.remove_prefix(std::min(v.size(), v.find(' ') + 1));
  std::string out;
  std::string item;
  bool in_list = false;
  bool first = true;
  size_t i = 0;
  while (i < v.size()) {
    const char c = v[i];
    if (c == '\'' || c == '"') {
      const char quote = c;
      for (++i; i < v.size() && v[i] != quote; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        item += v[i];
      }
      ++i;  // the closing quote
    } else if (c == '[' && !in_list) {
      in_list = true;
      ++i;
    } else if (in_list && (c == ',' || c == ']')) {
      if (!first || !item.empty()) out += (first ? "" : ",") + item;
      first = false;
      item.clear();
      ++i;
      if (c == ']') break;
    } else {
      if (c != ' ' || !in_list) item += c;
      ++i;
    }
  }
  if (!in_list) return item;
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_gsettings_listing(std::string_view listing) {
  std::map<std::string, std::string> values;
  size_t at = 0;
  while (at < listing.size()) {
    size_t end = listing.find('\n', at);
    if (end == std::string_view::npos) end = listing.size();
    std::string_view line = listing.substr(at, end - at);
    at = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    const size_t schema_end = line.find(' ');
    if (schema_end == std::string_view::npos) continue;
    const size_t key_end = line.find(' ', schema_end + 1);
    if (key_end == std::string_view::npos) continue;
    values[std::string(line.substr(0, key_end))] = gvariant_text(line.substr(key_end + 1));
  }
  return values;
}

ProxyFacts gsettings_proxy_facts(std::string_view listing) {
  const auto values = parse_gsettings_listing(listing);
  auto get = [&values](const char* schema_key) {
    const auto it = values.find(schema_key);
    return it == values.end() ? std::string() : it->second;
  };
  ProxyFacts f;
  f.desktop_mode = get("org.gnome.system.proxy mode");
  if (f.desktop_mode == "manual") {
    const std::string host = get("org.gnome.system.proxy.https host");
    const std::string port = get("org.gnome.system.proxy.https port");
    if (!host.empty()) f.settings.push_back({"gsettings", "http://" + host + ":" + port});
  } else if (f.desktop_mode == "auto") {
    const std::string pac = get("org.gnome.system.proxy autoconfig-url");
    if (!pac.empty()) f.settings.push_back({"gsettings:pac", pac});
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

#pragma once
// Where this machine's proxy settings come from: environment variables everywhere,
// plus the desktop's settings where the platform has them (GNOME gsettings on Linux).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certwiz::net {

struct ProxySetting {
  std::string source;  // "env:https_proxy", "gsettings", "explicit"
  std::string url;     // "http://proxy.example:3128"
};

struct ProxyFacts {
  std::vector<ProxySetting> settings;  // all found, in precedence order
  std::string no_proxy;
  std::string desktop_mode;            // gsettings mode ("none", "manual", "auto") or empty
};

ProxyFacts environment_proxies();       // proxy.cpp
ProxyFacts desktop_proxies();           // proxy_linux.cpp / proxy_generic.cpp

// The output of `gsettings list-recursively org.gnome.system.proxy` ("schema key value"
// lines) as "schema key" -> value: strings unquoted ('a\'b' -> a'b), lists joined with
// "," (['localhost', '127.0.0.0/8'] -> localhost,127.0.0.0/8), numbers as written.
std::map<std::string, std::string> parse_gsettings_listing(std::string_view listing);
// The desktop facts from that listing: the mode, and the https host:port (manual) or the
// PAC URL (auto). Missing keys read as empty.
ProxyFacts gsettings_proxy_facts(std::string_view listing);
// The proxy the site URL would go through: explicit, else env https_proxy / all_proxy,
// unless no_proxy matches the host. Empty when direct.
std::string effective_proxy(const std::string& explicit_proxy, const std::string& host, const ProxyFacts& env);
bool no_proxy_matches(const std::string& no_proxy, const std::string& host);

}  // namespace certwiz::net

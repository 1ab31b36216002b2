#pragma once
// The two socket operations the network checks make themselves (everything else goes
// through libcurl): resolving a name, and a bare TCP connect to a proxy.
#include <string>
#include <vector>

namespace certwiz::net {

struct Resolution {
  std::vector<std::string> addresses;  // numeric, in the resolver's order
  std::string error;                   // the resolver's message; empty on success
};

Resolution resolve_host(const std::string& host, const std::string& port);

// Whether a TCP connection to host:port opens within about `timeout_ms`; `why` says why not.
bool tcp_reachable(const std::string& host, const std::string& port, int timeout_ms, std::string& why);

}  // namespace certwiz::net

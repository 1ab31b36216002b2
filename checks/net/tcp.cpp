// Name lookup and TCP reachability (checks/net/tcp.h), once for both socket APIs: the
// platform's primitives come from sockets_posix.h or sockets_win.h, which
// checks/net/CMakeLists.txt names in CERTWIZ_NET_SOCKETS_H.
#include "checks/net/tcp.h"

#include CERTWIZ_NET_SOCKETS_H

namespace certwiz::net {
namespace {

// getaddrinfo for a stream connection; nullptr and `error` set when the name does not resolve.
addrinfo* lookup(const std::string& host, const std::string& port, std::string& error) {
  sockets::start();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    error = sockets::lookup_error(rc);
    return nullptr;
  }
  return res;
}

}  // namespace

Resolution resolve_host(const std::string& host, const std::string& port) {
  Resolution out;
  addrinfo* res = lookup(host, port, out.error);
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* src = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, src, buf, sizeof buf)) out.addresses.push_back(buf);
  }
  if (res) freeaddrinfo(res);
  return out;
}

bool tcp_reachable(const std::string& host, const std::string& port, int timeout_ms, std::string& why) {
  addrinfo* res = lookup(host, port, why);
  if (!res) return false;
  bool ok = false;
  for (addrinfo* a = res; a && !ok; a = a->ai_next) {
    const sockets::Socket s = sockets::open(*a);
    if (s == sockets::kInvalid) continue;
    ok = sockets::connect_within(s, *a, timeout_ms, why);
    sockets::close(s);
  }
  freeaddrinfo(res);
  return ok;
}

}  // namespace certwiz::net

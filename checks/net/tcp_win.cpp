// Winsock half of checks/net/tcp.h.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <mutex>

#include "checks/net/tcp.h"

namespace certwiz::net {
namespace {

void start_winsock() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

std::string winsock_error(int code) {
  char buf[256] = {0};
  const DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                                 static_cast<DWORD>(code), 0, buf, sizeof buf, nullptr);
  std::string text(buf, n);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '.')) text.pop_back();
  return text.empty() ? "Winsock error " + std::to_string(code) : text;
}

}  // namespace

Resolution resolve_host(const std::string& host, const std::string& port) {
  start_winsock();
  Resolution out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    out.error = winsock_error(rc);
    return out;
  }
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* src = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, src, buf, sizeof buf)) out.addresses.push_back(buf);
  }
  freeaddrinfo(res);
  return out;
}

bool tcp_reachable(const std::string& host, const std::string& port, int timeout_ms, std::string& why) {
  start_winsock();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    why = winsock_error(rc);
    return false;
  }
  bool ok = false;
  for (addrinfo* a = res; a && !ok; a = a->ai_next) {
    SOCKET s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (s == INVALID_SOCKET) continue;
    // Non-blocking connect, then select() with the time limit (SO_SNDTIMEO does not bound connect here).
    u_long nonblocking = 1;
    ioctlsocket(s, FIONBIO, &nonblocking);
    if (connect(s, a->ai_addr, static_cast<int>(a->ai_addrlen)) == 0) {
      ok = true;
    } else if (WSAGetLastError() == WSAEWOULDBLOCK) {
      fd_set writable, failed;
      FD_ZERO(&writable);
      FD_ZERO(&failed);
      FD_SET(s, &writable);
      FD_SET(s, &failed);
      timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
      const int n = select(0, nullptr, &writable, &failed, &tv);
      ok = n > 0 && FD_ISSET(s, &writable);
      if (!ok) {
        int err = WSAETIMEDOUT;
        int len = sizeof err;
        if (n > 0) getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len);
        why = winsock_error(err);
      }
    } else {
      why = winsock_error(WSAGetLastError());
    }
    closesocket(s);
  }
  freeaddrinfo(res);
  return ok;
}

}  // namespace certwiz::net

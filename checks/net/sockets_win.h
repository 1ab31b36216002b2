#pragma once
// The Winsock primitives checks/net/tcp.cpp is written against (its POSIX twin:
// sockets_posix.h); checks/net/CMakeLists.txt names the one tcp.cpp includes.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <mutex>
#include <string>

namespace certwiz::net::sockets {

using Socket = SOCKET;
constexpr Socket kInvalid = INVALID_SOCKET;

inline void start() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

inline std::string lookup_error(int code) {
  char buf[256] = {0};
  const DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                                 static_cast<DWORD>(code), 0, buf, sizeof buf, nullptr);
  std::string text(buf, n);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '.')) text.pop_back();
  return text.empty() ? "Winsock error " + std::to_string(code) : text;
}

inline Socket open(const addrinfo& a) { return ::socket(a.ai_family, a.ai_socktype, a.ai_protocol); }
inline void close(Socket s) { ::closesocket(s); }

// Non-blocking connect, then select() with the time limit (SO_SNDTIMEO does not bound connect here).
inline bool connect_within(Socket s, const addrinfo& a, int timeout_ms, std::string& why) {
  u_long nonblocking = 1;
  ioctlsocket(s, FIONBIO, &nonblocking);
  if (::connect(s, a.ai_addr, static_cast<int>(a.ai_addrlen)) == 0) return true;
  if (WSAGetLastError() != WSAEWOULDBLOCK) {
    why = lookup_error(WSAGetLastError());
    return false;
  }
  fd_set writable, failed;
  FD_ZERO(&writable);
  FD_ZERO(&failed);
  FD_SET(s, &writable);
  FD_SET(s, &failed);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  const int n = select(0, nullptr, &writable, &failed, &tv);
  if (n > 0 && FD_ISSET(s, &writable)) return true;
  int err = WSAETIMEDOUT;
  int len = sizeof err;
  if (n > 0) getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len);
  why = lookup_error(err);
  return false;
}

}  // namespace certwiz::net::sockets

#pragma once
// The POSIX socket primitives checks/net/tcp.cpp is written against (its Winsock twin:
// sockets_win.h); checks/net/CMakeLists.txt names the one tcp.cpp includes.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace certwiz::net::sockets {

using Socket = int;
constexpr Socket kInvalid = -1;

inline void start() {}
inline std::string lookup_error(int rc) { return gai_strerror(rc); }
inline Socket open(const addrinfo& a) { return ::socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC, a.ai_protocol); }
inline void close(Socket s) { ::close(s); }

// connect() bounded by `timeout_ms` (SO_SNDTIMEO bounds a blocking connect on Linux).
inline bool connect_within(Socket s, const addrinfo& a, int timeout_ms, std::string& why) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(s, a.ai_addr, a.ai_addrlen) == 0) return true;
  why = std::strerror(errno);
  return false;
}

}  // namespace certwiz::net::sockets

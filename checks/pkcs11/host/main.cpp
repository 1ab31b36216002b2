// certwiz-p11host: the child process that runs vendor PKCS#11 code on CertWiz's behalf.
// Usage: certwiz-p11host --fd N   (N: the connected socket the parent passed down).
// It takes nothing secret on its command line or environment: the PIN arrives on the socket.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "checks/core/secret.h"
#include "checks/pkcs11/host/server.h"

int main(int argc, char** argv) {
  // The PIN passes through this process; keep it out of core dumps and ptrace.
  certwiz::protect_process_from_dumps();
  std::signal(SIGPIPE, SIG_IGN);
  int fd = -1;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--fd") == 0) fd = std::atoi(argv[i + 1]);
  if (fd < 0) {
    std::fprintf(stderr, "certwiz-p11host: usage: certwiz-p11host --fd N (started by certwiz, not by hand)\n");
    return 64;
  }
  return certwiz::pkcs11::host::serve(fd);
}

// certwiz-p11host: the child process that runs vendor PKCS#11 code on CertWiz's behalf.
// Usage: certwiz-p11host --fd N (POSIX) or --pipe-in H --pipe-out H (Windows): the
// connection the parent passed down. It takes nothing secret on its command line or
// environment: the PIN arrives on the connection.
#include <cstdio>

#include "checks/pkcs11/host/host_platform.h"
#include "checks/pkcs11/host/server.h"

int main(int argc, char** argv) {
  certwiz::pkcs11::host::prepare_process();
  const auto channel = certwiz::pkcs11::host::channel_from_arguments(argc, argv);
  if (!channel) {
    std::fprintf(stderr, "certwiz-p11host: usage: certwiz-p11host %s (started by certwiz, not by hand)\n",
                 certwiz::pkcs11::host::usage());
    return 64;
  }
  return certwiz::pkcs11::host::serve(*channel);
}

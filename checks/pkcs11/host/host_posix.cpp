// POSIX half of the module host: a socket descriptor on the command line, dlopen.
#include <dlfcn.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

#include "checks/core/secret.h"
#include "checks/pkcs11/host/host_platform.h"

namespace certwiz::pkcs11::host {

void prepare_process() {
  // The PIN passes through this process; keep it out of core dumps and ptrace.
  protect_process_from_dumps();
  std::signal(SIGPIPE, SIG_IGN);
}

std::optional<wire::Channel> channel_from_arguments(int argc, char** argv) {
  int fd = -1;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--fd") == 0) fd = std::atoi(argv[i + 1]);
  if (fd < 0) return std::nullopt;
  return wire::Channel(fd);
}

const char* usage() { return "--fd N"; }

void* load_library(const std::string& path, std::string& error) {
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = ::dlerror();
    error = e ? e : "dlopen failed";
  }
  return lib;
}

void* library_symbol(void* library, const char* name) { return ::dlsym(library, name); }

long current_process_id() { return static_cast<long>(::getpid()); }

}  // namespace certwiz::pkcs11::host

// GNOME's proxy settings through gsettings (when installed); other desktops keep
// theirs in the environment, which proxy.cpp reads. One process: gsettings, found on
// PATH without a shell, lists the whole schema; proxy.cpp parses the listing.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "checks/net/proxy.h"

extern char** environ;

namespace certwiz::net {

namespace {
// gsettings' standard output; nullopt-like empty when it is missing or fails.
std::string gsettings_listing() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  char arg0[] = "gsettings";
  char arg1[] = "list-recursively";
  char arg2[] = "org.gnome.system.proxy";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "gsettings", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  std::string out;
  if (rc == 0) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) out.append(buf, static_cast<size_t>(n));
      else if (n < 0 && errno == EINTR) continue;
      else break;
    }
  }
  ::close(fds[0]);
  if (rc != 0) return {};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  return out;
}
}  // namespace

ProxyFacts desktop_proxies() {
  const std::string listing = gsettings_listing();
  if (listing.empty()) return {};
  return gsettings_proxy_facts(listing);
}

}  // namespace certwiz::net

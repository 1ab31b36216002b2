#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "checks/pkcs11/host_process.h"

extern char** environ;

namespace certwiz::pkcs11 {
namespace {

std::string own_executable() {
#if defined(__APPLE__)
  char buf[PATH_MAX];
  uint32_t size = sizeof buf;
  if (_NSGetExecutablePath(buf, &size) == 0) return buf;
  return {};
#else
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
#endif
}

HostExit decode(int status) {
  HostExit e;
  e.ended = true;
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
  return e;
}

}  // namespace

std::string find_host_executable() {
  if (const char* env = std::getenv("CERTWIZ_P11HOST"); env && *env) return env;
  const std::string self = own_executable();
  if (self.empty()) return "certwiz-p11host";
  return (std::filesystem::path(self).parent_path() / "certwiz-p11host").string();
}

Expected<HostProcess> spawn_host(const std::string& executable) {
  if (::access(executable.c_str(), X_OK) != 0)
    return Error{"P11-HOST-MISSING", executable + ": " + std::strerror(errno)};
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return Error{"P11-HOST-FAILED", std::string("socketpair: ") + std::strerror(errno)};
  // The child's end becomes fd 3; everything else of ours is close-on-exec.
  constexpr int kChildFd = 3;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], kChildFd);
  // Vendor code may print to stdout; it must never mix into CertWiz's (JSON) output.
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Our ignored/handled signals must not leak into the host: default dispositions.
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::string fd_arg = std::to_string(kChildFd);
  char* argv[] = {const_cast<char*>(executable.c_str()), const_cast<char*>("--fd"), fd_arg.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, executable.c_str(), &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    return Error{"P11-HOST-FAILED", "posix_spawn " + executable + ": " + std::strerror(rc)};
  }
  HostProcess p;
  p.channel = wire::Channel(sv[0]);
  p.pid = pid;
  return p;
}

HostExit wait_host(HostProcess& p, std::chrono::milliseconds grace) {
  if (p.pid <= 0) return HostExit{true, 0, 0};
  const auto until = std::chrono::steady_clock::now() + grace;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(static_cast<pid_t>(p.pid), &status, WNOHANG);
    if (r == static_cast<pid_t>(p.pid)) {
      p.pid = -1;
      if (p.channel.open()) ::close(static_cast<int>(p.channel.in));
      p.channel = {};
      return decode(status);
    }
    if (r < 0 && errno != EINTR) {
      p.pid = -1;
      return HostExit{true, 0, 0};
    }
    if (std::chrono::steady_clock::now() >= until) return HostExit{};
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

HostExit kill_host(HostProcess& p) {
  if (p.pid > 0) ::kill(static_cast<pid_t>(p.pid), SIGKILL);
  HostExit e = wait_host(p, std::chrono::seconds(5));
  if (p.channel.open()) ::close(static_cast<int>(p.channel.in));
  p.channel = {};
  return e;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGPIPE: return "SIGPIPE";
    case SIGTRAP: return "SIGTRAP";
    default: return "signal " + std::to_string(signal);
  }
}

}  // namespace certwiz::pkcs11

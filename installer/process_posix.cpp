// POSIX half of running a helper program: posix_spawn with a pipe for the output, poll
// against the deadline, then waitpid.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "installer/process_platform.h"

extern char** environ;

namespace certwiz::installer::platform {

char path_list_separator() { return ':'; }
std::string_view directory_separators() { return "/"; }
std::string default_program_path() { return "/usr/bin:/bin"; }
std::vector<std::string> program_file_names(const std::string& program) { return {program}; }
bool is_runnable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }
void end_process_at_once() { raise(SIGKILL); }

void spawn_and_wait(const std::string& program, const std::vector<std::string>& argv, const std::string& cwd,
                    std::chrono::seconds timeout, ProcessResult& r) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    r.error = argv[0] + ": " + std::strerror(rc);
    return;
  }
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int pr = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (pr < 0 && errno == EINTR) continue;
    if (pr > 0) {
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // the child closed its end
      if (r.output.size() < 65536) r.output.append(buf, static_cast<size_t>(n));
    }
  }
  close(fds[0]);
  // The child may outlive its output: keep to the deadline, then kill it.
  int status = 0;
  while (true) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    usleep(20000);
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
}

}  // namespace certwiz::installer::platform

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "checks/core/terminal.h"

namespace certwiz {
namespace {

constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// What the handler needs, set before it is installed. One prompt at a time (the
// prompts read from the one controlling terminal).
volatile sig_atomic_t g_tty = -1;
termios g_saved{};
termios g_quiet{};
std::array<struct sigaction, kSignals.size()> g_previous{};
std::array<bool, kSignals.size()> g_installed{};

extern "C" void restore_terminal_on_signal(int sig) {
  const int fd = g_tty;
  if (fd >= 0) tcsetattr(fd, TCSANOW, &g_saved);
  // The typed Enter never came: end the prompt's line.
  if (fd >= 0) (void)!::write(fd, "\n", 1);
  for (size_t i = 0; i < kSignals.size(); ++i) {
    if (kSignals[i] != sig) continue;
    const struct sigaction& before = g_previous[i];
    if (!(before.sa_flags & SA_SIGINFO) && before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN) {
      // A handler of the program's own: let it run, then the prompt goes on quietly.
      before.sa_handler(sig);
      if (fd >= 0) tcsetattr(fd, TCSANOW, &g_quiet);
      return;
    }
    // End as the signal would have ended the process, with its exit status.
    sigaction(sig, &before, nullptr);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, sig);
    sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
    raise(sig);
    return;
  }
}

}  // namespace

EchoOff::EchoOff(int tty_fd) {
  if (g_tty >= 0 || tcgetattr(tty_fd, &g_saved) != 0) return;
  g_quiet = g_saved;
  g_quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  g_quiet.c_lflag |= ECHONL;
  g_tty = tty_fd;
  for (size_t i = 0; i < kSignals.size(); ++i) {
    struct sigaction current {};
    sigaction(kSignals[i], nullptr, &current);
    g_installed[i] = false;
    if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) continue;  // ignored stays ignored
    struct sigaction sa {};
    sa.sa_handler = restore_terminal_on_signal;
    sigemptyset(&sa.sa_mask);
    for (int s : kSignals) sigaddset(&sa.sa_mask, s);
    if (sigaction(kSignals[i], &sa, &g_previous[i]) == 0) g_installed[i] = true;
  }
  tcsetattr(tty_fd, TCSAFLUSH, &g_quiet);
  active_ = true;
}

EchoOff::~EchoOff() {
  if (!active_) return;
  tcsetattr(g_tty, TCSAFLUSH, &g_saved);
  for (size_t i = 0; i < kSignals.size(); ++i)
    if (g_installed[i]) sigaction(kSignals[i], &g_previous[i], nullptr);
  g_tty = -1;
}

}  // namespace certwiz

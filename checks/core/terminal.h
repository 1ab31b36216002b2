#pragma once
// A terminal's echo turned off while a secret is typed, and back on whatever happens:
// Ctrl-C, a kill or a hang-up at the PIN prompt must not leave the user's shell
// typing blind. Platform code: terminal_posix.cpp.

namespace certwiz {

class EchoOff {
 public:
  // Echo off on the terminal `tty_fd` (a newline still echoes). Until destruction,
  // SIGINT, SIGTERM, SIGHUP and SIGQUIT put the terminal back before the process
  // ends as it would have (or before a handler installed earlier runs).
  explicit EchoOff(int tty_fd);
  // Echo and the previous signal dispositions back.
  ~EchoOff();
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

  // False when `tty_fd` is not a terminal (nothing was changed).
  bool active() const { return active_; }

 private:
  bool active_ = false;
};

}  // namespace certwiz

#pragma once
// The GUI tests' harness: a private Xvfb (started here, on a display it picks itself
// with -displayfd, stopped by PID), and a scripted driver that runs steps from a timer
// on the UI thread: an action, then a condition to wait for (with a time limit). It
// also watches the UI thread: a gap between timer ticks means the window froze.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

#include <wx/timer.h>
#include <wx/window.h>

namespace certwiz::gui::test {

class Xvfb {
 public:
  // Starts Xvfb -displayfd and sets DISPLAY; false (with why) on failure.
  bool start(std::string& why);
  void stop();
  ~Xvfb() { stop(); }

 private:
  pid_t pid_ = -1;
};

struct Step {
  std::string name;
  std::function<void()> action;        // may be empty
  std::function<bool()> until;         // empty: done at once
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

class Driver : public wxTimer {
 public:
  explicit Driver(std::vector<Step> steps) : steps_(std::move(steps)) {}
  void begin() { Start(50); }
  void Notify() override;
  bool finished() const { return finished_; }
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  double longest_gap_ms() const { return longest_gap_ms_; }
  const std::string& longest_gap_step() const { return longest_gap_step_; }
  void fail(const std::string& why);
  // Called once when the script ends (passed or failed).
  std::function<void()> on_end;

 private:
  void end();
  std::vector<Step> steps_;
  size_t i_ = 0;
  bool acted_ = false;
  bool finished_ = false, failed_ = false;
  bool in_tick_ = false;
  std::string failure_;
  std::chrono::steady_clock::time_point step_start_, last_tick_end_;
  double longest_gap_ms_ = 0;
  std::string longest_gap_step_;
};

// Finds a window by name under `root` (or any top-level window when null).
wxWindow* find(const std::string& name, wxWindow* root = nullptr);
template <typename T>
T* find_as(const std::string& name, wxWindow* root = nullptr) {
  return dynamic_cast<T*>(find(name, root));
}
// A real mouse click (wxUIActionSimulator) in the middle of `w`.
void click(wxWindow* w);
// Typing through the simulator (ASCII only) into the focused window.
void type_keys(const std::string& text);
// Synthesised wxEVT_CHAR events straight to `w` (when X focus cannot be relied on).
void send_chars(wxWindow* w, const std::string& text);

}  // namespace certwiz::gui::test

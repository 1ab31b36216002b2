#include "tests/gui/wizard/gui_harness.h"

#include <algorithm>

#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/scrolwin.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <wx/app.h>
#include <wx/uiaction.h>

namespace certwiz::gui::test {

bool Xvfb::start(std::string& why) {
  int fds[2];
  if (pipe(fds) != 0) {
    why = "pipe failed";
    return false;
  }
  pid_ = fork();
  if (pid_ < 0) {
    why = "fork failed";
    return false;
  }
  if (pid_ == 0) {
    close(fds[0]);
    const std::string fd = std::to_string(fds[1]);
    // Quiet: Xvfb's warnings about keymaps go to /dev/null.
    if (FILE* devnull = std::fopen("/dev/null", "w")) dup2(fileno(devnull), STDERR_FILENO);
    execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string number;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') number += c;
  close(fds[0]);
  if (number.empty()) {
    why = "Xvfb did not start (is the xvfb package installed?)";
    stop();
    return false;
  }
  setenv("DISPLAY", (":" + number).c_str(), 1);
  return true;
}

void Xvfb::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    usleep(100000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void Driver::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  failure_ = (i_ < steps_.size() ? "step \"" + steps_[i_].name + "\": " : std::string()) + why;
  std::fprintf(stderr, "FAIL %s\n", failure_.c_str());
}

void Driver::end() {
  if (finished_) return;
  finished_ = true;
  Stop();
  if (on_end) on_end();
}

void Driver::Notify() {
  // A modal dialog runs its own loop: ticks keep coming there, but never nest.
  if (in_tick_ || finished_) return;
  in_tick_ = true;
  const auto now = std::chrono::steady_clock::now();
  if (last_tick_end_.time_since_epoch().count() != 0) {
    const double gap = std::chrono::duration<double, std::milli>(now - last_tick_end_).count();
    if (gap > longest_gap_ms_) {
      longest_gap_ms_ = gap;
      longest_gap_step_ = i_ < steps_.size() ? steps_[i_].name : "";
    }
    // The timer fires every 50 ms; the UI thread not getting to it for 2 s is a freeze.
    if (gap > 2000) fail("the UI thread was blocked for " + std::to_string(static_cast<int>(gap)) + " ms");
  }
  while (!failed_ && i_ < steps_.size()) {
    Step& s = steps_[i_];
    if (!acted_) {
      std::fprintf(stderr, "step: %s\n", s.name.c_str());
      step_start_ = std::chrono::steady_clock::now();
      acted_ = true;
      if (s.action) s.action();
      if (failed_) break;
    }
    if (!s.until || s.until()) {
      ++i_;
      acted_ = false;
      continue;
    }
    if (std::chrono::steady_clock::now() - step_start_ > s.timeout) fail("timed out");
    break;
  }
  last_tick_end_ = std::chrono::steady_clock::now();
  in_tick_ = false;
  if (failed_ || i_ >= steps_.size()) end();
}

wxWindow* find(const std::string& name, wxWindow* root) { return wxWindow::FindWindowByName(name, root); }

// Scrolls every scrolled ancestor so that `w` is visible, as a user would before
// clicking; true when something had to scroll.
bool scroll_into_view(wxWindow* w) {
  bool scrolled = false;
  for (wxWindow* p = w->GetParent(); p && !p->IsTopLevel(); p = p->GetParent()) {
    auto* sw = dynamic_cast<wxScrolledWindow*>(p);
    if (!sw) continue;
    const wxPoint at = sw->ScreenToClient(w->GetScreenPosition());
    const wxSize client = sw->GetClientSize(), size = w->GetSize();
    int ux = 0, uy = 0, vx = 0, vy = 0;
    sw->GetScrollPixelsPerUnit(&ux, &uy);
    sw->GetViewStart(&vx, &vy);
    int to_x = -1, to_y = -1;
    if (uy > 0 && (at.y < 0 || at.y + size.y > client.y)) to_y = std::max(0, (vy * uy + at.y - client.y / 3) / uy);
    if (ux > 0 && (at.x < 0 || at.x + size.x > client.x)) to_x = std::max(0, (vx * ux + at.x - client.x / 3) / ux);
    if (to_x < 0 && to_y < 0) continue;
    sw->Scroll(to_x, to_y);
    scrolled = true;
  }
  return scrolled;
}

void click(wxWindow* w) {
  if (!w) return;
  wxTheApp->ProcessPendingEvents();  // pending layouts (a label re-wrapped) first
  if (scroll_into_view(w)) {
    // GTK moves the scrolled widgets later than wx reports them moved, so a pointer click
    // right now could miss: the control gets the event a click would give it, queued like
    // a click's (a handler that opens a modal dialog must not run inside this step).
    if (auto* b = dynamic_cast<wxButton*>(w)) {
      wxCommandEvent e(wxEVT_BUTTON, b->GetId());
      e.SetEventObject(b);
      b->GetEventHandler()->AddPendingEvent(e);
    } else if (auto* c = dynamic_cast<wxCheckBox*>(w)) {
      c->SetValue(!c->GetValue());
      wxCommandEvent e(wxEVT_CHECKBOX, c->GetId());
      e.SetEventObject(c);
      e.SetInt(c->GetValue() ? 1 : 0);
      c->GetEventHandler()->AddPendingEvent(e);
    } else {
      w->SetFocus();
    }
    return;
  }
  wxUIActionSimulator sim;
  const wxRect r = w->GetScreenRect();
  sim.MouseMove(r.x + r.width / 2, r.y + r.height / 2);
  sim.MouseClick();
}

void type_keys(const std::string& text) {
  wxUIActionSimulator sim;
  sim.Text(text.c_str());
}

void send_chars(wxWindow* w, const std::string& text) {
  for (char c : text) {
    wxKeyEvent ev(wxEVT_CHAR);
    ev.m_keyCode = static_cast<unsigned char>(c);
    ev.m_uniChar = static_cast<unsigned char>(c);
    ev.SetEventObject(w);
    w->GetEventHandler()->ProcessEvent(ev);
  }
}

}  // namespace certwiz::gui::test

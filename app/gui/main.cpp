// certwiz-wizard: the wizard's executable (the frame and pages live in certwiz_gui).
#include <chrono>
#include <clocale>
#include <cstdio>
#include <memory>

#include <wx/app.h>
#include <wx/frame.h>
#include <wx/msgdlg.h>

#include "app/gui/i18n.h"
#include "app/gui/options.h"
#include "app/gui/wizard_frame.h"

namespace {

certwiz::gui::WizardOptions g_options;

// Launch-to-first-paint, seen from inside (--exit-after-first-paint). steady_clock is
// CLOCK_MONOTONIC with libstdc++ on Linux, so a benchmark can set the printed instant
// against the moment it started the process (time.monotonic_ns() in Python).
using Clock = std::chrono::steady_clock;
Clock::time_point g_main_entered;

double ms_since_main(Clock::time_point t) { return std::chrono::duration<double, std::milli>(t - g_main_entered).count(); }

void exit_after_first_paint(wxFrame* frame, Clock::time_point built) {
  wxWindow* root = frame->FindWindow("wizard_root");
  if (!root) root = frame;
  auto painted = std::make_shared<bool>(false);
  root->Bind(wxEVT_PAINT, [frame, root, built, painted](wxPaintEvent& e) {
    e.Skip();  // the panel paints as usual; this only notes when
    if (*painted) return;
    *painted = true;
    const Clock::time_point now = Clock::now();
    // Reported once the paint handler chain has run (CallAfter), then the window closes.
    root->CallAfter([frame, built, now] {
      std::printf("{\"frame_built_ms\": %.1f, \"first_paint_ms\": %.1f, \"first_paint_steady_ns\": %lld}\n",
                  ms_since_main(built), ms_since_main(now),
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()));
      std::fflush(stdout);
      frame->Destroy();
    });
  });
}

class WizardApp : public wxApp {
 public:
  bool OnInit() override {
    using namespace certwiz::gui;
    SetAppName("certwiz-wizard");
    // A PIN is typed into this process: keep it out of core dumps.
    certwiz::protect_process_from_dumps();
    const certwiz::RunOptions run = make_run_options(g_options);
    setup_translations(run.lang);
    auto* frame = new WizardFrame(g_options);
    if (g_options.exit_after_first_paint) exit_after_first_paint(frame, Clock::now());
    frame->Show();
    if (!g_options.open_report.empty()) frame->open_report(g_options.open_report);
    return true;
  }
};

}  // namespace

wxIMPLEMENT_APP_NO_MAIN(WizardApp);

int main(int argc, char** argv) {
  g_main_entered = Clock::now();
  std::setlocale(LC_ALL, "");
  std::setlocale(LC_NUMERIC, "C");
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(certwiz::gui::wizard_usage().c_str(), stdout);
      return 0;
    }
  }
  std::string error;
  if (!certwiz::gui::parse_wizard_options(argc, argv, g_options, error)) {
    std::fprintf(stderr, "certwiz-wizard: %s\n%s", error.c_str(), certwiz::gui::wizard_usage().c_str());
    return 3;
  }
  // wxWidgets gets no arguments of ours (GTK's own, such as --display, are not used).
  int wx_argc = 1;
  char* wx_argv[] = {argv[0], nullptr};
  return wxEntry(wx_argc, wx_argv);
}

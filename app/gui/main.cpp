// certwiz-wizard: the wizard's executable (the frame and pages live in certwiz_gui).
#include <clocale>
#include <cstdio>

#include <wx/app.h>
#include <wx/msgdlg.h>

#include "app/gui/i18n.h"
#include "app/gui/options.h"
#include "app/gui/wizard_frame.h"

namespace {

certwiz::gui::WizardOptions g_options;

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
    frame->Show();
    if (!g_options.open_report.empty()) frame->open_report(g_options.open_report);
    return true;
  }
};

}  // namespace

wxIMPLEMENT_APP_NO_MAIN(WizardApp);

int main(int argc, char** argv) {
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

#pragma once
// The wizard's window: the steps on the left, the current page, and Back / Next /
// Close at the bottom. It owns the background work (closing cancels it) and the
// state the pages share (what the user chose, the results found so far).
#include <map>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <wx/button.h>
#include <wx/frame.h>
#include <wx/panel.h>
#include <wx/scrolwin.h>
#include <wx/simplebook.h>
#include <wx/stattext.h>

#include "app/gui/background.h"
#include "app/gui/options.h"
#include "checks/core/check.h"
#include "checks/core/log.h"
#include "checks/core/report_model.h"
#include "checks/progress/progress.h"

namespace certwiz::gui {

enum class PageId { welcome, environment, components, card, application, binding, login, summary, troubleshoot, count };
inline constexpr int kPageCount = static_cast<int>(PageId::count);
// "welcome", "environment", ... (names of the pages' windows: page_<name>; of the docs' screenshots).
const char* page_key(PageId id);

enum class CardChoice { citizen, business };
enum class Mode { setup, troubleshoot };

// What the pages share. Results are kept per check id (the latest wins) for the report.
struct WizardState {
  WizardOptions options;
  RunOptions run;  // never holds a PIN here: a PIN lives only for the self-test run
  CardChoice card = CardChoice::citizen;
  Mode mode = Mode::setup;
  std::shared_ptr<Log> log = std::make_shared<Log>();
  std::vector<CheckResult> results;
  std::map<std::string, std::vector<std::string>> depends_on;
  std::string card_reader;     // the reader of the card chosen on the card page
  std::string card_holder;     // its holder, for the later pages
  std::string ubn, control_no; // from the application form once it checks out (binding defaults)
  std::vector<std::string> steps_done;  // page keys whose work finished
  // The application process across days (checks/progress, application_review.h): what a
  // previous session saved, where, and why it could not be read or saved.
  std::shared_ptr<progress::Progress> progress;  // null: nothing saved yet
  std::string progress_path;                     // empty: no user data folder
  std::optional<Error> progress_problem;

  void record(const CheckResult& r, const std::vector<std::string>& depends = {});
  void record_all(const std::vector<Check>& checks, const std::vector<CheckResult>& results);
  const CheckResult* result(const std::string& id) const;
  // Everything found in this session as one Report (the model the report files serialise).
  Report report() const;
};

class WizardFrame;

// A page scrolls vertically when its content is taller than the window (large fonts,
// 150 % scaling, a small screen) instead of squeezing its controls.
class WizardPage : public wxScrolledWindow {
 public:
  WizardPage(wxWindow* parent, WizardFrame& frame, PageId id);
  PageId id() const { return id_; }
  virtual wxString title() const = 0;
  virtual wxString intro() const { return {}; }
  virtual void entered() {}
  virtual void left() {}
  // Whether Next may be pressed now (e.g. not while a check runs).
  virtual bool can_advance() const { return true; }

 protected:
  WizardFrame& frame_;
  PageId id_;
};

class WizardFrame : public wxFrame {
 public:
  explicit WizardFrame(WizardOptions options);
  ~WizardFrame() override;

  WizardState& state() { return state_; }
  Background& bg() { return bg_; }
  void go_to(PageId id);
  void next();
  void back();
  PageId current() const { return current_; }
  WizardPage* page(PageId id) const { return pages_[static_cast<size_t>(id)]; }
  // Pages call this when what Next may do changes.
  void refresh_nav();
  void set_status(const wxString& text);
  // Exports a report (bundle, HTML, JSON) into --report-dir or a chosen file. The file
  // dialog is on the UI thread; redaction and writing run in the background, `button`
  // disabled meanwhile; `label` then says where the report went, or why it did not.
  void export_report(const Report& report, wxButton* button, wxStaticText* label);
  // Shows a saved report on the troubleshoot page (helpdesk).
  bool open_report(const std::string& path);
  // Rebuilds the wizard in `lang` where this window stands, and closes this one (its
  // strings are made when its pages are built). Offered on the welcome page only, whose
  // two choices go along, so nothing the user did is lost.
  void switch_language(Lang lang);
  wxString last_error() const { return last_error_; }

 private:
  void on_close(wxCloseEvent& e);
  void update_steps();

  WizardState state_;
  Background bg_;
  std::vector<WizardPage*> pages_;
  std::vector<wxStaticText*> step_labels_;
  PageId current_ = PageId::welcome;
  wxSimplebook* book_ = nullptr;
  wxStaticText* heading_ = nullptr;
  wxStaticText* intro_ = nullptr;
  wxStaticText* status_ = nullptr;
  wxButton* back_ = nullptr;
  wxButton* next_ = nullptr;
  wxButton* close_ = nullptr;
  wxString last_error_;
  std::vector<PageId> history_;
};

// Page factories (one file each).
WizardPage* make_welcome_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_environment_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_components_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_card_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_application_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_binding_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_login_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_summary_page(wxWindow* parent, WizardFrame& frame);
WizardPage* make_troubleshoot_page(wxWindow* parent, WizardFrame& frame);
// The troubleshoot page showing a saved report instead of running checks.
void show_saved_report(WizardPage* troubleshoot, const Report& report, const wxString& source);

}  // namespace certwiz::gui

#include "app/gui/wizard_frame.h"

#include "app/gui/application_review.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include <wx/app.h>
#include <wx/display.h>
#include <wx/filedlg.h>
#include <wx/msgdlg.h>
#include <wx/sizer.h>
#include <wx/statline.h>

#include "app/gui/i18n.h"
#include "app/gui/wrap_text.h"
#include "checks/core/display_safe.h"
#include "checks/diagnose/diagnose.h"
#include "checks/report/files.h"

namespace certwiz::gui {

const char* page_key(PageId id) {
  switch (id) {
    case PageId::welcome: return "welcome";
    case PageId::environment: return "environment";
    case PageId::components: return "components";
    case PageId::card: return "card";
    case PageId::application: return "application";
    case PageId::binding: return "binding";
    case PageId::login: return "login";
    case PageId::summary: return "summary";
    case PageId::troubleshoot: return "troubleshoot";
    case PageId::count: break;
  }
  return "?";
}

void WizardState::record(const CheckResult& found, const std::vector<std::string>& depends) {
  // Pages also record results that did not come through the engine (an install, a
  // binding): they are made display-safe here, as the engine does with its own.
  CheckResult r = found;
  make_display_safe(r);
  auto it = std::find_if(results.begin(), results.end(), [&](const CheckResult& x) { return x.id == r.id; });
  if (it == results.end()) results.push_back(r);
  else *it = r;
  if (!depends.empty() || !depends_on.count(r.id)) depends_on[r.id] = depends;
}

void WizardState::record_all(const std::vector<Check>& checks, const std::vector<CheckResult>& found) {
  for (size_t i = 0; i < found.size(); ++i) record(found[i], i < checks.size() ? checks[i].depends_on : std::vector<std::string>{});
}

const CheckResult* WizardState::result(const std::string& id) const {
  for (const auto& r : results)
    if (r.id == id) return &r;
  return nullptr;
}

Report WizardState::report() const { return assemble_report("wizard", run, results, depends_on); }

WizardPage::WizardPage(wxWindow* parent, WizardFrame& frame, PageId id)
    : wxScrolledWindow(parent, wxID_ANY), frame_(frame), id_(id) {
  SetName(wxString("page_") + page_key(id));
  SetFont(ui_font());
  SetScrollRate(0, FromDIP(12));
}

WizardFrame::WizardFrame(WizardOptions options)
    : wxFrame(nullptr, wxID_ANY, _("CertWiz certificate login setup"), wxDefaultPosition, wxDefaultSize,
              wxDEFAULT_FRAME_STYLE | wxTAB_TRAVERSAL) {
  SetName("certwiz_wizard");
  set_front_end(FrontEnd::gui);  // remedies name the wizard's buttons and pages, not commands
  state_.options = std::move(options);
  state_.run = make_run_options(state_.options);
  load_saved_progress(state_);  // before the pages: they show what it holds
  SetFont(ui_font());

  auto* root = new wxPanel(this);
  root->SetName("wizard_root");
  auto* outer = new wxBoxSizer(wxVERTICAL);
  auto* body = new wxBoxSizer(wxHORIZONTAL);

  // Steps.
  auto* steps = new wxPanel(root);
  steps->SetName("steps");
  steps->SetBackgroundColour(wxColour(0xee, 0xf2, 0xf7));
  auto* steps_sizer = new wxBoxSizer(wxVERTICAL);
  auto* brand = new wxStaticText(steps, wxID_ANY, _("CertWiz"));
  brand->SetFont(ui_font(4, true));
  steps_sizer->Add(brand, 0, wxALL, FromDIP(12));
  pages_.resize(kPageCount, nullptr);
  book_ = new wxSimplebook(root);
  book_->SetName("pages");
  using Factory = WizardPage* (*)(wxWindow*, WizardFrame&);
  const Factory factories[kPageCount] = {make_welcome_page, make_environment_page, make_components_page,
                                         make_card_page,    make_application_page, make_binding_page,
                                         make_login_page,   make_summary_page,     make_troubleshoot_page};
  for (int i = 0; i < kPageCount; ++i) {
    pages_[i] = factories[i](book_, *this);
    book_->AddPage(pages_[i], pages_[i]->title());
    auto* label = new wxStaticText(steps, wxID_ANY,
                                   i < 8 ? wxString::Format("%d. %s", i + 1, pages_[i]->title()) : pages_[i]->title());
    label->SetName(wxString("step_") + page_key(static_cast<PageId>(i)));
    steps_sizer->Add(label, 0, wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(12));
    step_labels_.push_back(label);
  }
  steps->SetSizer(steps_sizer);
  body->Add(steps, 0, wxEXPAND);

  auto* main = new wxBoxSizer(wxVERTICAL);
  heading_ = new wxStaticText(root, wxID_ANY, wxString());
  heading_->SetName("page_heading");
  heading_->SetFont(ui_font(5, true));
  main->Add(heading_, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(16));
  intro_ = new WrapText(root, wxString(), "page_intro");
  main->Add(intro_, 0, wxLEFT | wxRIGHT | wxTOP | wxEXPAND, FromDIP(16));
  main->Add(book_, 1, wxEXPAND | wxALL, FromDIP(16));
  body->Add(main, 1, wxEXPAND);
  outer->Add(body, 1, wxEXPAND);
  outer->Add(new wxStaticLine(root), 0, wxEXPAND);

  auto* nav = new wxBoxSizer(wxHORIZONTAL);
  status_ = new wxStaticText(root, wxID_ANY, wxString(), wxDefaultPosition, wxDefaultSize, wxST_ELLIPSIZE_END);
  status_->SetName("status_text");
  nav->Add(status_, 1, wxALIGN_CENTER_VERTICAL | wxLEFT, FromDIP(12));
  back_ = new wxButton(root, wxID_ANY, _("< &Back"));
  back_->SetName("nav_back");
  next_ = new wxButton(root, wxID_ANY, _("&Next >"));
  next_->SetName("nav_next");
  close_ = new wxButton(root, wxID_ANY, _("&Close"));
  close_->SetName("nav_close");
  nav->Add(back_, 0, wxALL, FromDIP(8));
  nav->Add(next_, 0, wxTOP | wxBOTTOM, FromDIP(8));
  nav->Add(close_, 0, wxALL, FromDIP(8));
  outer->Add(nav, 0, wxEXPAND);
  root->SetSizer(outer);

  back_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { back(); });
  next_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { next(); });
  close_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Close(); });
  Bind(wxEVT_CLOSE_WINDOW, &WizardFrame::on_close, this);

  // Readable at 150 % scaling too: sizes are in DIPs, the window can grow, and neither
  // the minimum nor the first size exceeds the screen (1366x768 at 150 % is 910x512 DIPs).
  const wxRect screen = wxDisplay(wxDisplay::GetFromWindow(this) == wxNOT_FOUND ? 0u : static_cast<unsigned>(wxDisplay::GetFromWindow(this))).GetClientArea();
  const wxSize min_size = FromDIP(wxSize(760, 500));
  SetMinSize(wxSize(std::min(min_size.x, screen.width), std::min(min_size.y, screen.height)));
  const wxSize want = FromDIP(wxSize(1180, 760));
  SetSize(wxSize(std::min(want.x, screen.width), std::min(want.y, screen.height)));
  go_to(PageId::welcome);
}

WizardFrame::~WizardFrame() {
  for (auto* p : pages_) p->left();
  bg_.shutdown();
}

void WizardFrame::switch_language(Lang lang) {
  if (lang == state_.run.lang) return;
  WizardOptions o = state_.options;
  o.lang = std::string(lang_tag(lang));
  setup_translations(lang);
  auto* replacement = new WizardFrame(std::move(o));
  // The welcome page's choices go along.
  replacement->state_.card = state_.card;
  replacement->state_.mode = state_.mode;
  replacement->go_to(PageId::welcome);
  replacement->SetSize(GetRect());
  replacement->Show();
  if (wxTheApp->GetTopWindow() == this) wxTheApp->SetTopWindow(replacement);
  Close(true);
}

void WizardFrame::on_close(wxCloseEvent& e) {
  // Stop what runs (checks, installs, the reader watch), then go. Cancelled work ends
  // at its next cancellation point; nothing it reports back runs any more.
  Hide();
  for (auto* p : pages_) p->left();
  bg_.shutdown();
  e.Skip();
}

void WizardFrame::update_steps() {
  for (int i = 0; i < kPageCount; ++i) {
    auto* l = step_labels_[i];
    const bool here = static_cast<int>(current_) == i;
    l->SetFont(ui_font(0, here));
    l->SetForegroundColour(here ? wxColour(0x0b, 0x4f, 0x9c) : wxColour(0x33, 0x33, 0x33));
    // Troubleshooting shows only its own step; setup shows the eight.
    const bool troubleshooting = state_.mode == Mode::troubleshoot;
    l->Show(i == 0 || (troubleshooting ? i == static_cast<int>(PageId::troubleshoot) : i < 8));
  }
  step_labels_[0]->GetParent()->Layout();
}

void WizardFrame::go_to(PageId id) {
  WizardPage* old = page(current_);
  if (old && id != current_ && book_->GetSelection() != wxNOT_FOUND) old->left();
  current_ = id;
  WizardPage* p = page(id);
  book_->ChangeSelection(static_cast<size_t>(id));
  set_status(wxString());
  heading_->SetLabel(p->title());
  intro_->SetLabel(p->intro());
  p->entered();
  refresh_nav();
  Layout();
  if (auto* root = FindWindow("wizard_root")) root->Layout();
}

void WizardFrame::next() {
  if (!page(current_)->can_advance()) return;
  history_.push_back(current_);
  if (current_ == PageId::welcome) {
    go_to(state_.mode == Mode::troubleshoot ? PageId::troubleshoot : PageId::environment);
  } else if (current_ == PageId::summary || current_ == PageId::troubleshoot) {
    Close();
  } else {
    go_to(static_cast<PageId>(static_cast<int>(current_) + 1));
  }
}

void WizardFrame::back() {
  if (history_.empty()) return;
  const PageId to = history_.back();
  history_.pop_back();
  go_to(to);
}

void WizardFrame::refresh_nav() {
  update_steps();
  back_->Enable(!history_.empty());
  next_->Enable(page(current_)->can_advance());
  const bool last = current_ == PageId::summary || current_ == PageId::troubleshoot;
  next_->SetLabel(last ? _("&Finish") : _("&Next >"));
  // A new label (or a font the theme changed) can need a wider button.
  next_->InvalidateBestSize();
  next_->GetParent()->Layout();
}

void WizardFrame::set_status(const wxString& text) { status_->SetLabel(text); }

void WizardFrame::export_report(const Report& report, wxButton* button, wxStaticText* label) {
  namespace fs = std::filesystem;
  last_error_.clear();
  auto finish = [this, button, label](const std::string& bundle) {
    button->Enable();
    label->SetLabel(bundle.empty() ? last_error_ : _("Report saved (personal data removed): ") + u8(bundle));
  };
  button->Disable();
  label->SetLabel(_("Saving the report..."));
  std::string bundle;
  if (!state_.options.report_dir.empty()) {
    std::error_code ec;
    fs::create_directories(state_.options.report_dir, ec);
    bundle = (fs::path(state_.options.report_dir) / "certwiz-report.zip").string();
  } else {
    wxFileDialog dlg(this, _("Save the report"), wxString(), "certwiz-report.zip", _("ZIP files (*.zip)|*.zip"),
                     wxFD_SAVE | wxFD_OVERWRITE_PROMPT);
    if (dlg.ShowModal() != wxID_OK) return finish({});
    bundle = to_u8(dlg.GetPath());
  }
  if (auto e = certwiz::report::check_writable(bundle)) {
    last_error_ = tr(e->cause()) + " " + tr(e->remedy());
    set_status(last_error_);
    return finish({});
  }
  set_status(_("Saving the report..."));
  // Redaction walks every result and the whole log, and the bundle is compressed: off the
  // UI thread, on a copy of the report. Redacted, like the CLI's default: the report is
  // meant to be sent to a helpdesk.
  auto error = std::make_shared<std::optional<Error>>();
  bg_.run(
      [report, log = state_.log->text(), bundle, error](const CancelToken&) {
        const auto prepared = certwiz::report::prepare_report(report, log, true);
        const fs::path dir = fs::path(bundle).parent_path();
        const std::string stem = fs::path(bundle).stem().string();
        // The bundle last: once it exists, the HTML and JSON beside it are complete.
        for (auto e : {certwiz::report::write_file((dir / (stem + ".html")).string(), prepared.html),
                       certwiz::report::write_file((dir / (stem + ".json")).string(), prepared.json),
                       certwiz::report::write_bundle(bundle, prepared)}) {
          if (e) {
            *error = std::move(e);
            return;
          }
        }
      },
      [this, bundle, error, finish] {
        if (*error) {
          last_error_ = tr((*error)->cause()) + " " + tr((*error)->remedy());
          set_status(last_error_);
          return finish({});
        }
        set_status(_("Report saved: ") + u8(bundle));
        finish(bundle);
      });
}

bool WizardFrame::open_report(const std::string& path) {
  auto loaded = certwiz::report::read_report_file(path);
  if (!loaded) {
    last_error_ = tr(loaded.error().cause()) + " " + tr(loaded.error().remedy());
    set_status(last_error_);
    return false;
  }
  state_.mode = Mode::troubleshoot;
  history_.push_back(current_);
  show_saved_report(page(PageId::troubleshoot), *loaded, u8(path));
  go_to(PageId::troubleshoot);
  return true;
}

}  // namespace certwiz::gui

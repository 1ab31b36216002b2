// The saved progress in the wizard and the application's review row (application_review.h).
#include "app/gui/application_review.h"

#include <wx/sizer.h>
#include <wx/stattext.h>

#include "app/gui/i18n.h"
#include "app/gui/results_view.h"
#include "app/gui/wrap_text.h"
#include "checks/progress/progress.h"
#include "checks/site/client.h"

namespace certwiz::gui {
namespace {

bool save(WizardState& st) {
  if (!st.progress || st.progress_path.empty()) return false;
  if (auto err = progress::save_progress(st.progress_path, *st.progress)) {
    st.progress_problem = *err;
    return false;
  }
  return true;
}

}  // namespace

void load_saved_progress(WizardState& st) {
  auto path = progress::default_progress_path();
  if (!path) {
    st.progress_problem = path.error();
    return;
  }
  st.progress_path = *path;
  auto loaded = progress::load_progress(st.progress_path);
  if (loaded.problem) st.progress_problem = *loaded.problem;
  if (loaded.progress) st.progress = std::make_shared<progress::Progress>(std::move(*loaded.progress));
}

void remember_form(WizardState& st, const form::ApplicationForm& f, const std::string& page) {
  if (st.progress_path.empty()) return;
  if (!st.progress) st.progress = std::make_shared<progress::Progress>();
  form::ApplicationForm& saved = st.progress->form;
  // Field by field: the password stays in the page's Secret and never reaches the disk.
  saved.ubn = f.ubn;
  saved.control_no = f.control_no;
  saved.company_name = f.company_name;
  saved.owner_name = f.owner_name;
  saved.owner_id = f.owner_id;
  saved.reg_address = f.reg_address;
  saved.mail_address = f.mail_address;
  saved.contact_name = f.contact_name;
  saved.phone1 = f.phone1;
  saved.phone1_ext = f.phone1_ext;
  saved.phone2 = f.phone2;
  saved.fax = f.fax;
  saved.email = f.email;
  saved.citizen_cert_login = f.citizen_cert_login;
  saved.business_cert_login = f.business_cert_login;
  st.progress->page = page;
  st.progress->site = st.run.site_profile;
  save(st);
}

void remember_step(WizardState& st, progress::Step step) {
  if (!st.progress || st.progress->done(step)) return;
  st.progress->mark_done(step);
  save(st);
}

ApplicationReview::ApplicationReview(wxWindow* parent, WizardFrame& frame) : wxPanel(parent, wxID_ANY), frame_(frame) {
  SetName("application_review_panel");
  auto* s = new wxBoxSizer(wxVERTICAL);
  text_ = new WrapText(this, wxString(), "application_review");
  s->Add(text_, 0, wxEXPAND | wxBOTTOM, FromDIP(4));
  auto* row = new wxBoxSizer(wxHORIZONTAL);
  ask_ = new wxButton(this, wxID_ANY, _("&Ask the site about the review"));
  ask_->SetName("application_status");
  to_binding_ = new wxButton(this, wxID_ANY, _("Go on to &binding"));
  to_binding_->SetName("application_to_binding");
  row->Add(ask_, 0, wxRIGHT, FromDIP(8));
  row->Add(to_binding_, 0);
  s->Add(row, 0);
  SetSizer(s);
  ask_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { ask_site(); });
  to_binding_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
    WizardState& st = frame_.state();
    if (st.progress) {
      st.ubn = st.progress->form.ubn;
      st.control_no = st.progress->form.control_no;
    }
    frame_.go_to(PageId::binding);
  });
  show_saved();
}

void ApplicationReview::show_saved() {
  const auto& p = frame_.state().progress;
  const bool known = p && !p->application_id.empty();
  ask_->Show(known);
  to_binding_->Show(known && p->application_state == "approved");
  if (!known) {
    text_->SetLabel(wxString());
    Layout();
    return;
  }
  wxString state = p->application_state == "approved"   ? _("approved")
                   : p->application_state == "rejected" ? _("rejected")
                                                        : _("under review");
  text_->SetForegroundColour(*wxBLACK);
  text_->SetLabel(wxString::Format(_("Application %s: %s (last asked %s). The review takes a few days; ask the site how it goes."),
                                   u8(p->application_id), state, u8(p->state_checked_at.empty() ? "-" : p->state_checked_at)));
  GetParent()->Layout();
}

void ApplicationReview::submitted(const std::string& reference) {
  WizardState& st = frame_.state();
  if (!st.progress) st.progress = std::make_shared<progress::Progress>();
  st.progress->application_id = reference;
  st.progress->application_state = "pending";
  st.progress->mark_done(progress::Step::form_filled);
  st.progress->mark_done(progress::Step::submitted);
  save(st);
  show_saved();
}

void ApplicationReview::show_state(const std::string& state, const wxString& text, Status colour) {
  text_->SetForegroundColour(status_colour(colour));
  text_->SetLabel(text);
  to_binding_->Show(state == "approved");
  GetParent()->Layout();
}

void ApplicationReview::ask_site() {
  WizardState& st = frame_.state();
  if (busy_ || !st.progress || st.progress->application_id.empty()) return;
  busy_ = true;
  text_->SetForegroundColour(*wxBLACK);
  text_->SetLabel(_("Asking the site about the review..."));
  const std::string id = st.progress->application_id, ubn = st.progress->form.ubn, profile_name = st.run.site_profile;
  site::SiteClientOptions options;
  options.extra_ca_files = st.options.trust;
  auto answer = std::make_shared<std::optional<Expected<site::ApplicationStatus>>>();
  frame_.bg().run(
      [answer, id, ubn, profile_name, options](const CancelToken&) {
        auto profile = site::load_client_profile(profile_name);
        if (!profile) {
          answer->emplace(profile.error());
          return;
        }
        site::SiteClient client(*profile, options);
        answer->emplace(client.application_status(id, ubn));
      },
      [this, answer] {
        busy_ = false;
        WizardState& st = frame_.state();
        const auto& r = **answer;
        if (!r) {
          show_state("", tr(r.error().cause()) + "  " + tr(r.error().remedy()) + "  [" + u8(r.error().code) + "]", Status::fail);
          return;
        }
        const std::string state(site::application_state_name(r->state));
        st.progress->application_state = state;
        st.progress->state_checked_at = r->updated_at;
        if (r->state == site::ApplicationState::approved) st.progress->mark_done(progress::Step::approved);
        save(st);
        if (auto problem = site::application_status_error(*r)) {
          wxString text = u8(r->id) + ": " + tr(problem->cause()) + "  " + tr(problem->remedy()) + "  [" + u8(problem->code) + "]";
          if (!r->note.empty()) text += "\n" + _("Reviewer's note: ") + u8(r->note);
          show_state(state, text, r->state == site::ApplicationState::rejected ? Status::fail : Status::warn);
          return;
        }
        wxString text = wxString::FromUTF8("✔ ") +
                        wxString::Format(_("Application %s is approved: the site has sent the verification code for binding."),
                                         u8(r->id));
        if (!r->code_expires_at.empty()) text += "  " + wxString::Format(_("It is valid until %s."), u8(r->code_expires_at));
        show_state(state, text, Status::pass);
      });
}

}  // namespace certwiz::gui

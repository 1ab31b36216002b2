// Pages 6 and 7 over the site client (checks/site): binding the card to the account
// (UBN, control number, verification code, PIN → 綁定成功 or the reason) and the test
// login through every signing path (the card's PKCS#11 and the local signing
// component). Also the form's 載入 and submit hooks.
#include <chrono>

#include <wx/button.h>
#include <wx/choice.h>
#include <wx/listctrl.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "app/gui/accessible.h"
#include "app/gui/application_review.h"
#include "app/gui/i18n.h"
#include "app/gui/pin_dialog.h"
#include "app/gui/results_view.h"
#include "app/gui/site_glue.h"
#include "app/gui/wrap_text.h"
#include "checks/site/client.h"

namespace certwiz::gui {
namespace {

site::SiteClientOptions client_options(const WizardState& st) {
  site::SiteClientOptions o;
  o.extra_ca_files = st.options.trust;
  return o;
}

// The lookup owns its client (one per 載入, on the worker thread).
class OwningLookup : public form::CompanyLookup {
 public:
  explicit OwningLookup(const WizardState& st) : profile_name_(st.run.site_profile), options_(client_options(st)) {}
  Expected<form::CompanyRecord> find(const std::string& ubn) override {
    auto profile = site::load_client_profile(profile_name_);
    if (!profile) return profile.error();
    site::SiteClient client(*profile, options_);
    site::SiteCompanyLookup lookup(client);
    return lookup.find(ubn);
  }

 private:
  std::string profile_name_;
  site::SiteClientOptions options_;
};

class OwningSubmitter : public form::ApplicationSubmitter {
 public:
  explicit OwningSubmitter(const WizardState& st) : profile_name_(st.run.site_profile), options_(client_options(st)) {}
  Expected<form::SubmissionReceipt> submit(const form::ValidatedForm& f, const Secret& password,
                                           std::span<const form::AttachmentUpload> attachments) override {
    auto profile = site::load_client_profile(profile_name_);
    if (!profile) return profile.error();
    site::SiteApplicationSubmitter s(std::make_unique<site::SiteClient>(*profile, options_));
    return s.submit(f, password, attachments);
  }

 private:
  std::string profile_name_;
  site::SiteClientOptions options_;
};

site::LoginType login_type(const WizardState& st) {
  return st.card == CardChoice::business ? site::LoginType::business : site::LoginType::citizen;
}

wxString path_label(site::SigningPath p) {
  return p == site::SigningPath::card ? _("Card (PKCS#11)") : _("Local signing component (browser path)");
}

// A site step that passed: the summary's list and the saved progress (issue 17) learn it.
void mark_step_done(WizardState& st, const char* step, progress::Step saved) {
  auto& done = st.steps_done;
  if (std::find(done.begin(), done.end(), step) == done.end()) done.push_back(step);
  remember_step(st, saved);
}

// The step's row for the summary and the report, passed or not.
void record_step(WizardState& st, CheckResult rec, const char* id, Text title) {
  rec.id = id;
  rec.title = std::move(title);
  st.record(rec);
}

wxString error_text(const Error& e) {
  return wxString::FromUTF8("✘ ") + tr(e.cause()) + "  " + tr(e.remedy()) + "  [" + u8(e.code) + "]";
}

// A page's verdict line (larger, bold, wrapping), added to `s` with `flags`.
WrapText* add_verdict(wxWindow* page, wxSizer* s, const char* name, int flags) {
  auto* t = new WrapText(page, wxString(), name);
  t->SetFont(ui_font(2, true));
  s->Add(t, 0, flags, page->FromDIP(6));
  return t;
}

// Asks for the PIN of the wizard's card; null when cancelled. `run` gets the wizard's
// options with the dialog's final-try confirmation, for site::make_signers.
std::shared_ptr<const Secret> ask_pin(wxWindow* parent, const WizardState& st, RunOptions& run) {
  const CheckResult* tokens = st.result("pkcs11.tokens");
  const auto* inventory = tokens ? tokens->model<pkcs11::TokenInventory>() : nullptr;
  PinDialog dlg(parent, pin_info_for(inventory ? inventory->find(st.card_reader) : nullptr, st.card_reader, u8(st.card_holder)));
  if (dlg.ShowModal() != wxID_OK) return nullptr;
  run = st.run;
  run.confirm_final_try = dlg.final_try_confirmed();
  return dlg.take_pin();
}

// A page whose action asks for the card's PIN, then runs in the background; the wizard
// does not move on while it runs.
class PinActionPage : public WizardPage {
 public:
  using WizardPage::WizardPage;
  bool can_advance() const override { return !busy_; }

 protected:
  // The PIN for the action behind `button`; null when an action runs or the dialog was
  // cancelled. With a PIN the page is busy and `button` off until the action ends.
  std::shared_ptr<const Secret> start_action(wxButton* button, RunOptions& run) {
    if (busy_) return nullptr;
    auto pin = ask_pin(this, frame_.state(), run);
    if (!pin) return nullptr;
    busy_ = true;
    button->Disable();
    return pin;
  }

  bool busy_ = false;
};

class BindingPage : public PinActionPage {
 public:
  BindingPage(wxWindow* parent, WizardFrame& frame) : PinActionPage(parent, frame, PageId::binding) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    who_ = new WrapText(this, wxString(), "binding_card");
    s->Add(who_, 0, wxEXPAND | wxBOTTOM, FromDIP(10));
    auto* grid = new wxFlexGridSizer(2, FromDIP(8), FromDIP(10));
    auto add = [&](const wxString& label, const char* name) {
      grid->Add(new wxStaticText(this, wxID_ANY, label), 0, wxALIGN_CENTER_VERTICAL);
      auto* t = new wxTextCtrl(this, wxID_ANY);
      t->SetName(name);
      wxString spoken = wxStripMenuCodes(label).Trim();
      if (spoken.EndsWith(":") || spoken.EndsWith(wxString::FromUTF8("\xef\xbc\x9a"))) spoken.RemoveLast();
      set_accessible_name(t, spoken);
      t->SetMinSize(FromDIP(wxSize(260, -1)));
      grid->Add(t, 0);
      return t;
    };
    ubn_ = add(_("&UBN:"), "binding_ubn");
    control_ = add(_("&Waste control No.:"), "binding_control_no");
    code_ = add(_("&Verification code (from the approval letter):"), "binding_code");
    grid->Add(new wxStaticText(this, wxID_ANY, _("Sign &through:")), 0, wxALIGN_CENTER_VERTICAL);
    path_ = new wxChoice(this, wxID_ANY);
    path_->SetName("binding_path");
    set_accessible_name(path_, _("Signing path"));
    path_->Append(path_label(site::SigningPath::card));
    path_->Append(path_label(site::SigningPath::localsign));
    path_->SetSelection(0);
    // The column grows with the page; the choice fills it but never widens the page.
    path_->SetMinSize(wxSize(GetCharWidth() * 20, -1));
    grid->Add(path_, 0, wxEXPAND);
    grid->AddGrowableCol(1, 1);
    s->Add(grid, 0, wxEXPAND | wxBOTTOM, FromDIP(12));
    bind_ = new wxButton(this, wxID_ANY, _("&Bind the card (asks for the PIN)..."));
    bind_->SetName("binding_bind");
    s->Add(bind_, 0, wxBOTTOM, FromDIP(12));
    result_ = add_verdict(this, s, "binding_result", wxEXPAND | wxBOTTOM);
    detail_ = new WrapText(this, wxString(), "binding_detail");
    s->Add(detail_, 0, wxEXPAND);
    SetSizer(s);
    bind_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { bind(); });
  }
  wxString title() const override { return _("Binding"); }
  wxString intro() const override {
    return _("Bind your card to the site account: the UBN, the control number and the verification code from the "
             "approval, then the PIN. The PIN goes to the card (or the signing component) only, never to the site.");
  }
  void entered() override {
    const WizardState& st = frame_.state();
    who_->SetLabel((st.card == CardChoice::business ? _("Login type: business certificate") : _("Login type: citizen certificate")) +
                   "   " + _("Card: ") + (st.card_holder.empty() ? _("(choose one on the card page)") : u8(st.card_holder)) +
                   "  " + u8(st.card_reader));
    if (ubn_->IsEmpty()) ubn_->ChangeValue(u8(st.ubn));
    if (control_->IsEmpty()) control_->ChangeValue(u8(st.control_no));
  }

 private:
  void bind() {
    RunOptions run;
    auto pin = start_action(bind_, run);
    if (!pin) return;
    WizardState& st = frame_.state();
    frame_.refresh_nav();
    result_->SetForegroundColour(*wxBLACK);
    result_->SetLabel(_("Binding..."));
    detail_->SetLabel(wxString());
    site::SiteClient::BindFields fields;
    fields.ubn = to_u8(ubn_->GetValue().Strip(wxString::both));
    fields.control_no = to_u8(control_->GetValue().Strip(wxString::both));
    fields.verification_code = to_u8(code_->GetValue().Strip(wxString::both));
    fields.login_type = login_type(st);
    site::SignerRequest request;
    request.card = path_->GetSelection() == 0;
    request.localsign = !request.card;
    request.reader = st.card_reader;
    auto outcome = std::make_shared<std::optional<Expected<site::BindResult>>>();
    auto failure = std::make_shared<std::optional<site::SiteFailure>>();
    const std::string profile_name = st.run.site_profile;
    auto copts = client_options(st);
    frame_.bg().run(
        [=](const CancelToken& cancel) {
          auto profile = site::load_client_profile(profile_name);
          if (!profile) {
            outcome->emplace(profile.error());
            return;
          }
          auto o = copts;
          o.cancel = cancel;
          site::SiteClient client(*profile, o);
          auto signers = site::make_signers(run, *profile, request, pin);
          outcome->emplace(site::bind_with(client, *signers.front(), fields));
          *failure = client.last_failure();
        },
        [this, outcome, failure, fields] {
          busy_ = false;
          bind_->Enable();
          frame_.refresh_nav();
          const auto& r = **outcome;
          CheckResult rec;
          if (r) {
            result_->SetForegroundColour(status_colour(Status::pass));
            result_->SetLabel(wxString::FromUTF8("✔ ") + tr(r->message));
            detail_->SetLabel(_("Bound certificate: ") + u8(r->certificate.subject) + "\n" + _("Issuer: ") + u8(r->certificate.issuer));
            rec = CheckResult::pass(r->message, Json{{"login_type", std::string(site::login_type_name(r->login_type))},
                                                     {"subject", r->certificate.subject},
                                                     {"issuer", r->certificate.issuer}});
            mark_step_done(frame_.state(), "binding", progress::Step::bound);
          } else {
            result_->SetForegroundColour(status_colour(Status::fail));
            result_->SetLabel(error_text(r.error()));
            wxString more;
            if (*failure && (*failure)->attempts_left >= 0)
              more = wxString::Format(_("Verification code tries left: %d"), (*failure)->attempts_left);
            detail_->SetLabel(more);
            rec = CheckResult::from_error(r.error(), {"綁定未完成", "Binding did not complete"});
          }
          record_step(frame_.state(), std::move(rec), "site.bind", {"憑證綁定", "Certificate binding"});
          Layout();
        });
  }

  wxStaticText* who_;
  wxTextCtrl* ubn_;
  wxTextCtrl* control_;
  wxTextCtrl* code_;
  wxChoice* path_;
  wxButton* bind_;
  wxStaticText* result_;
  wxStaticText* detail_;
};

class LoginPage : public PinActionPage {
 public:
  LoginPage(wxWindow* parent, WizardFrame& frame) : PinActionPage(parent, frame, PageId::login) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    test_ = new wxButton(this, wxID_ANY, _("&Test the login (asks for the PIN)..."));
    test_->SetName("login_test");
    s->Add(test_, 0, wxBOTTOM, FromDIP(10));
    paths_ = new wxListCtrl(this, wxID_ANY, wxDefaultPosition, FromDIP(wxSize(-1, 120)), wxLC_REPORT | wxBORDER_THEME);
    paths_->SetName("login_paths");
    set_accessible_name(paths_, _("Signing path"));
    // Widths in characters of the list's font, so they grow with font scaling too.
    const int em = paths_->GetCharWidth();
    paths_->AppendColumn(_("Signing path"), wxLIST_FORMAT_LEFT, em * 40);
    paths_->AppendColumn(_("Result"), wxLIST_FORMAT_LEFT, em * 56);
    paths_->AppendColumn(_("Time"), wxLIST_FORMAT_LEFT, em * 12);
    paths_->AppendColumn(_("Failure code"), wxLIST_FORMAT_LEFT, em * 28);
    // The list scrolls sideways itself: its columns must not widen the page.
    paths_->SetMinSize(wxSize(em * 30, FromDIP(120)));
    s->Add(paths_, 0, wxEXPAND | wxBOTTOM, FromDIP(10));
    verdict_ = add_verdict(this, s, "login_verdict", wxEXPAND);
    SetSizer(s);
    test_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { test(); });
  }
  wxString title() const override { return _("Test login"); }
  wxString intro() const override {
    return _("Logs in to the site with the bound card the way the site's page does, through each signing path, "
             "checks the session and logs out again.");
  }

 private:
  void show_path(const site::PathOutcome& p) {
    long row = -1;
    for (long i = 0; i < paths_->GetItemCount(); ++i)
      if (paths_->GetItemText(i, 0) == path_label(p.path)) row = i;
    if (row < 0) row = paths_->InsertItem(paths_->GetItemCount(), path_label(p.path));
    wxString what;
    if (!p.attempted) what = wxString::FromUTF8("– ") + _("Skipped") + (p.error ? ": " + tr(p.error->cause()) : wxString());
    else if (p.ok) what = wxString::FromUTF8("✔ ") + _("Logged in, session confirmed, logged out");
    else what = wxString::FromUTF8("✘ ") + (p.error ? tr(p.error->cause()) + "  " + tr(p.error->remedy()) : wxString());
    paths_->SetItem(row, 1, what);
    paths_->SetItem(row, 2, wxString::Format("%.0f ms", p.ms));
    paths_->SetItem(row, 3, p.error ? u8(p.error->code) : wxString());
    paths_->SetItemTextColour(row, status_colour(!p.attempted ? Status::skipped : p.ok ? Status::pass : Status::fail));
  }

  void test() {
    RunOptions run;
    auto pin = start_action(test_, run);
    if (!pin) return;
    WizardState& st = frame_.state();
    paths_->DeleteAllItems();
    verdict_->SetForegroundColour(*wxBLACK);
    verdict_->SetLabel(_("Logging in..."));
    frame_.refresh_nav();
    site::SignerRequest request;
    request.reader = st.card_reader;
    auto report = std::make_shared<std::optional<site::PathsReport>>();
    auto profile_error = std::make_shared<std::optional<Error>>();
    const std::string profile_name = st.run.site_profile;
    auto copts = client_options(st);
    Background& bg = frame_.bg();
    frame_.bg().run(
        [=, &bg, this](const CancelToken& cancel) {
          auto profile = site::load_client_profile(profile_name);
          if (!profile) {
            *profile_error = profile.error();
            return;
          }
          auto o = copts;
          o.cancel = cancel;
          auto signers = site::make_signers(run, *profile, request, pin);
          site::FlowOptions flow;
          flow.cancel = cancel;
          flow.on_path = [&bg, this](const site::PathOutcome& p) { bg.post([this, p] { show_path(p); }); };
          *report = site::login_paths(*profile, o, site::signer_ptrs(signers), flow);
        },
        [this, report, profile_error] {
          busy_ = false;
          test_->Enable();
          frame_.refresh_nav();
          CheckResult rec;
          if (*profile_error) {
            verdict_->SetForegroundColour(status_colour(Status::fail));
            verdict_->SetLabel(error_text(**profile_error));
            rec = CheckResult::from_error(**profile_error, {"測試登入未完成", "The test login did not complete"});
          } else {
            Json paths = Json::array();
            for (const auto& p : (*report)->paths) {
              show_path(p);
              paths.push_back(Json{{"path", std::string(site::signing_path_name(p.path))},
                                   {"attempted", p.attempted},
                                   {"ok", p.ok},
                                   {"code", p.error ? p.error->code : std::string()},
                                   {"ms", p.ms}});
            }
            if ((*report)->ok()) {
              verdict_->SetForegroundColour(status_colour(Status::pass));
              verdict_->SetLabel(wxString::FromUTF8("✔ ") + _("Test login succeeded through every signing path."));
              rec = CheckResult::pass({"測試登入成功（所有簽章途徑）", "Test login succeeded (every signing path)"}, Json{{"paths", paths}});
              mark_step_done(frame_.state(), "login", progress::Step::login_tested);
            } else {
              verdict_->SetForegroundColour(status_colour(Status::fail));
              verdict_->SetLabel(error_text(*(*report)->verdict));
              rec = CheckResult::from_error(*(*report)->verdict, {"測試登入有簽章途徑失敗", "A signing path failed the test login"},
                                            Json{{"paths", paths}});
            }
          }
          record_step(frame_.state(), std::move(rec), "site.login", {"測試登入", "Test login"});
          Layout();
        });
  }

  wxButton* test_;
  wxListCtrl* paths_;
  wxStaticText* verdict_;
};

}  // namespace

std::unique_ptr<form::CompanyLookup> make_company_lookup(const WizardState& state) {
  return std::make_unique<OwningLookup>(state);
}
std::unique_ptr<form::ApplicationSubmitter> make_application_submitter(const WizardState& state) {
  return std::make_unique<OwningSubmitter>(state);
}

WizardPage* make_binding_page(wxWindow* parent, WizardFrame& frame) { return new BindingPage(parent, frame); }
WizardPage* make_login_page(wxWindow* parent, WizardFrame& frame) { return new LoginPage(parent, frame); }

}  // namespace certwiz::gui

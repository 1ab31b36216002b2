// Page 5: the account application form (網路帳號密碼申請書). Every field comes from the
// form model (form_fields), every error from its rules (validate_field as the user
// types, validate before printing), and its actions (載入, 同上, postal codes) are the
// model's. The password field writes into a Secret.
#include <filesystem>
#include <map>

#include <wx/button.h>
#include <wx/choice.h>
#include <wx/filedlg.h>
#include <wx/scrolwin.h>
#include <wx/sizer.h>
#include <wx/settings.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include "app/gui/accessible.h"
#include "app/gui/application_review.h"
#include "app/gui/attachments_panel.h"
#include "app/gui/i18n.h"
#include "app/gui/results_view.h"
#include "app/gui/secret_entry.h"
#include "app/gui/site_glue.h"
#include "app/gui/wrap_text.h"
#include "certwiz_version.h"
#include "checks/form/form_pdf.h"

namespace certwiz::gui {
namespace {

struct AddressControls {
  wxChoice* county = nullptr;
  wxChoice* district = nullptr;
  wxTextCtrl* street = nullptr;
  wxTextCtrl* zip = nullptr;
};

class ApplicationPage : public WizardPage {
 public:
  ApplicationPage(wxWindow* parent, WizardFrame& frame) : WizardPage(parent, frame, PageId::application) {
    auto* outer = new wxBoxSizer(wxVERTICAL);
    // Both ways: with large fonts a row (address, "same as above") can be wider than the page.
    scroll_ = new wxScrolledWindow(this, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxVSCROLL | wxHSCROLL | wxTAB_TRAVERSAL);
    scroll_->SetName("application_fields");
    scroll_->SetScrollRate(FromDIP(12), FromDIP(12));
    grid_ = new wxFlexGridSizer(2, FromDIP(4), FromDIP(10));
    grid_->AddGrowableCol(1, 1);
    auto rules = form::load_form_rules(frame.state().run.site_profile);
    if (rules) rules_ = std::make_shared<form::FormRules>(std::move(*rules));
    else rules_error_ = tr(rules.error().cause()) + " " + tr(rules.error().remedy());
    for (const auto& f : form::form_fields()) add_field(f);
    // The scans scroll with the fields: the page keeps its height at any scaling.
    auto* inner = new wxBoxSizer(wxVERTICAL);
    inner->Add(grid_, 0, wxEXPAND);
    attachments_ = new AttachmentsPanel(scroll_, frame.bg());
    inner->Add(attachments_, 0, wxEXPAND | wxTOP | wxRIGHT, FromDIP(8));
    scroll_->SetSizer(inner);
    // Its own scrollbar takes the form: the page around it must not grow to the form's height.
    scroll_->SetMinSize(wxSize(GetCharWidth() * 40, FromDIP(160)));
    outer->Add(scroll_, 1, wxEXPAND | wxBOTTOM, FromDIP(8));

    auto* buttons = new wxBoxSizer(wxHORIZONTAL);
    auto* check = new wxButton(this, wxID_ANY, _("Chec&k the form"));
    check->SetName("application_check");
    auto* pdf = new wxButton(this, wxID_ANY, _("Save as P&DF to print..."));
    pdf->SetName("application_pdf");
    auto* submit = new wxButton(this, wxID_ANY, _("S&ubmit the application"));
    submit->SetName("application_submit");
    buttons->Add(check, 0, wxRIGHT, FromDIP(8));
    buttons->Add(pdf, 0, wxRIGHT, FromDIP(8));
    buttons->Add(submit, 0);
    outer->Add(buttons, 0, wxBOTTOM, FromDIP(6));
    message_ = new WrapText(this, rules_error_, "application_message");
    outer->Add(message_, 0, wxEXPAND);
    // Issue 17: the application's review over the days after it was sent.
    review_ = new ApplicationReview(this, frame);
    outer->Add(review_, 0, wxEXPAND | wxTOP, FromDIP(6));
    SetSizer(outer);
    if (const auto& saved = frame.state().progress) restore(saved->form);
    check->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { check_all(); });
    pdf->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { save_pdf(); });
    submit->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { submit_form(); });
  }
  wxString title() const override { return _("Account application"); }
  wxString intro() const override {
    return _("The account application form. Type the UBN and press Load to fill in what the company "
             "registry knows; each field is checked as you type. Print the form, stamp it and upload it, or submit it.");
  }
  bool can_advance() const override { return !busy_; }
  // What was typed is kept for the next session (never the password).
  void left() override { remember_form(frame_.state(), form(), "application"); }

  void entered() override {
    // Login type follows the welcome page's choice until the user sets it.
    if (!login_touched_) {
      const bool business = frame_.state().card == CardChoice::business;
      choices_["citizen_cert_login"]->SetSelection(business ? 1 : 0);
      choices_["business_cert_login"]->SetSelection(business ? 0 : 1);
    }
  }

 private:
  // A previous session's form, as it was typed (the password is typed again).
  void restore(const form::ApplicationForm& f) {
    show_form(f);
    if (!f.citizen_cert_login.empty() || !f.business_cert_login.empty()) {
      choices_["citizen_cert_login"]->SetSelection(f.citizen_cert_login == "disable" ? 1 : 0);
      choices_["business_cert_login"]->SetSelection(f.business_cert_login == "disable" ? 1 : 0);
      login_touched_ = true;
    }
  }

  wxStaticText* add_error_label(const std::string& key) {
    auto* err = new WrapText(scroll_, wxString(), "error_" + key);
    err->SetForegroundColour(status_colour(Status::fail));
    err->Hide();
    errors_[key] = err;
    return err;
  }

  void add_field(const form::FieldInfo& f) {
    const std::string key(f.key);
    auto* label = new wxStaticText(scroll_, wxID_ANY, tr(f.label) + (f.required ? " *" : ""));
    grid_->Add(label, 0, wxALIGN_TOP | wxTOP, FromDIP(6));
    auto* cell = new wxBoxSizer(wxVERTICAL);
    auto* line = new wxBoxSizer(wxHORIZONTAL);
    if (key == "password") {
      password_ = new SecretEntry(scroll_, "field_password");
      password_->SetMinSize(FromDIP(wxSize(260, -1)));
      password_->Bind(wxEVT_TEXT, [this](wxCommandEvent&) { check_field("password"); });
      line->Add(password_, 0);
    } else if (key == "reg_address" || key == "mail_address") {
      AddressControls a;
      a.county = new wxChoice(scroll_, wxID_ANY);
      a.county->SetName("field_" + key + ".county");
      a.county->Append(wxString());
      if (rules_)
        for (const auto& c : rules_->postal->counties()) a.county->Append(u8(c));
      a.district = new wxChoice(scroll_, wxID_ANY);
      a.district->SetName("field_" + key + ".district");
      a.district->SetMinSize(FromDIP(wxSize(110, -1)));
      a.zip = new wxTextCtrl(scroll_, wxID_ANY);
      a.zip->SetName("field_" + key + ".zip");
      a.zip->SetMinSize(FromDIP(wxSize(70, -1)));
      a.zip->SetHint(tr(form::field_label(key + ".zip")).AfterLast(' '));
      a.street = new wxTextCtrl(scroll_, wxID_ANY);
      a.street->SetName("field_" + key + ".street");
      a.street->SetHint(tr(form::field_label(key + ".street")).AfterLast(' '));
      line->Add(a.zip, 0, wxRIGHT, FromDIP(4));
      line->Add(a.county, 0, wxRIGHT, FromDIP(4));
      line->Add(a.district, 0, wxRIGHT, FromDIP(4));
      line->Add(a.street, 1, wxRIGHT, FromDIP(4));
      a.county->Bind(wxEVT_CHOICE, [this, key](wxCommandEvent&) {
        fill_districts(key);
        check_field(key);
      });
      a.district->Bind(wxEVT_CHOICE, [this, key](wxCommandEvent&) {
        fill_zip(key);
        check_field(key);
      });
      for (auto* t : {a.street, a.zip}) t->Bind(wxEVT_TEXT, [this, key](wxCommandEvent&) { check_field(key); });
      addresses_[key] = a;
      if (key == "mail_address") {
        auto* same = new wxButton(scroll_, wxID_ANY, _("&Same as above"));
        same->SetName("application_same_address");
        same->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { same_as_registered(); });
        line->Add(same, 0);
      }
    } else if (key == "citizen_cert_login" || key == "business_cert_login") {
      auto* c = new wxChoice(scroll_, wxID_ANY);
      c->SetName("field_" + key);
      c->Append(_("Enable"));
      c->Append(_("Disable"));
      c->SetSelection(0);
      c->Bind(wxEVT_CHOICE, [this, key](wxCommandEvent&) {
        login_touched_ = true;
        check_field(key);
      });
      choices_[key] = c;
      line->Add(c, 0);
    } else {
      auto* t = new wxTextCtrl(scroll_, wxID_ANY);
      t->SetName("field_" + key);
      t->SetMinSize(FromDIP(wxSize(key == "phone1_ext" ? 90 : 300, -1)));
      t->Bind(wxEVT_TEXT, [this, key](wxCommandEvent&) { check_field(key); });
      texts_[key] = t;
      line->Add(t, key == "company_name" || key == "email" ? 1 : 0);
      if (key == "ubn") {
        auto* load = new wxButton(scroll_, wxID_ANY, _("&Load from the registry"));
        load->SetName("application_load");
        load->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { load_company(); });
        line->Add(load, 0, wxLEFT, FromDIP(6));
      }
    }
    cell->Add(line, 0, wxEXPAND);
    if (!f.hint.zh_TW.empty()) {
      // The seed's hint beside its field ("有管制編號請輸入，沒有就請空白").
      auto* hint = new WrapText(scroll_, tr(f.hint), "hint_" + key);
      hint->SetForegroundColour(wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT));
      cell->Add(hint, 0, wxEXPAND | wxTOP, FromDIP(2));
    }
    cell->Add(add_error_label(key), 0, wxEXPAND | wxTOP, FromDIP(2));
    name_controls(key);
    grid_->Add(cell, 1, wxEXPAND);
  }

  // Screen readers announce each input by the form model's label of its field.
  void name_controls(const std::string& key) {
    if (auto it = texts_.find(key); it != texts_.end()) set_accessible_name(it->second, tr(form::field_label(key)));
    if (auto it = choices_.find(key); it != choices_.end()) set_accessible_name(it->second, tr(form::field_label(key)));
    if (key == "password") set_accessible_name(password_, tr(form::field_label(key)));
    if (auto it = addresses_.find(key); it != addresses_.end()) {
      set_accessible_name(it->second.county, tr(form::field_label(key + ".county")));
      set_accessible_name(it->second.district, tr(form::field_label(key + ".district")));
      set_accessible_name(it->second.street, tr(form::field_label(key + ".street")));
      set_accessible_name(it->second.zip, tr(form::field_label(key + ".zip")));
    }
  }

  std::string text(const std::string& key) const {
    auto it = texts_.find(key);
    return it == texts_.end() ? std::string() : to_u8(it->second->GetValue());
  }

  form::Address address(const std::string& key) const {
    const AddressControls& a = addresses_.at(key);
    form::Address out;
    out.county = to_u8(a.county->GetStringSelection());
    out.district = to_u8(a.district->GetStringSelection());
    out.street = to_u8(a.street->GetValue());
    out.zip = to_u8(a.zip->GetValue());
    return out;
  }

  void set_address(const std::string& key, const form::Address& v) {
    AddressControls& a = addresses_.at(key);
    a.county->SetStringSelection(u8(v.county));
    fill_districts(key, false);
    a.district->SetStringSelection(u8(v.district));
    a.street->ChangeValue(u8(v.street));
    a.zip->ChangeValue(u8(v.zip));
  }

  form::ApplicationForm form() const {
    form::ApplicationForm f;
    f.ubn = text("ubn");
    f.control_no = text("control_no");
    f.password = password_->copy();
    f.company_name = text("company_name");
    f.owner_name = text("owner_name");
    f.owner_id = text("owner_id");
    f.reg_address = address("reg_address");
    f.mail_address = address("mail_address");
    f.contact_name = text("contact_name");
    f.phone1 = text("phone1");
    f.phone1_ext = text("phone1_ext");
    f.phone2 = text("phone2");
    f.fax = text("fax");
    f.email = text("email");
    f.citizen_cert_login = choices_.at("citizen_cert_login")->GetSelection() == 0 ? "enable" : "disable";
    f.business_cert_login = choices_.at("business_cert_login")->GetSelection() == 0 ? "enable" : "disable";
    return f;
  }

  // Writes back what a model action changed.
  void show_form(const form::ApplicationForm& f) {
    for (auto& [key, ctrl] : texts_) {
      std::string v;
      if (key == "ubn") v = f.ubn;
      else if (key == "control_no") v = f.control_no;
      else if (key == "company_name") v = f.company_name;
      else if (key == "owner_name") v = f.owner_name;
      else if (key == "owner_id") v = f.owner_id;
      else if (key == "contact_name") v = f.contact_name;
      else if (key == "phone1") v = f.phone1;
      else if (key == "phone1_ext") v = f.phone1_ext;
      else if (key == "phone2") v = f.phone2;
      else if (key == "fax") v = f.fax;
      else if (key == "email") v = f.email;
      ctrl->ChangeValue(u8(v));
    }
    set_address("reg_address", f.reg_address);
    set_address("mail_address", f.mail_address);
  }

  void fill_districts(const std::string& key, bool clear_zip = true) {
    if (!rules_) return;
    AddressControls& a = addresses_.at(key);
    a.district->Clear();
    a.district->Append(wxString());
    for (const auto& d : rules_->postal->districts(to_u8(a.county->GetStringSelection()))) a.district->Append(u8(d));
    a.district->SetSelection(0);
    if (clear_zip) a.zip->ChangeValue(wxString());
  }

  void fill_zip(const std::string& key) {
    if (!rules_) return;
    form::Address a = address(key);
    if (form::fill_postal_code(a, *rules_->postal)) addresses_.at(key).zip->ChangeValue(u8(a.zip));
  }

  void show_errors(const std::string& key, const std::vector<form::FieldError>& errors) {
    wxString msg;
    for (const auto& e : errors) {
      if (!msg.empty()) msg += "\n";
      msg += tr(e.message) + "  [" + u8(e.code) + "]";
    }
    wxStaticText* label = errors_.at(key);
    label->SetLabel(msg);
    label->Show(!msg.empty());
    scroll_->FitInside();
    scroll_->Layout();
  }

  void check_field(const std::string& key) {
    if (!rules_) return;
    show_errors(key, form::validate_field(form(), key, *rules_));
  }

  // Every field at once; true when the form is valid.
  bool check_all(form::Validation* out = nullptr) {
    if (!rules_) return false;
    form::Validation v = form::validate(form(), *rules_);
    std::map<std::string, std::vector<form::FieldError>> by_field;
    for (const auto& e : v.errors) by_field[e.field.substr(0, e.field.find('.'))].push_back(e);
    for (const auto& f : form::form_fields()) show_errors(std::string(f.key), by_field[std::string(f.key)]);
    message_->SetForegroundColour(v.ok() ? status_colour(Status::pass) : status_colour(Status::fail));
    message_->SetLabel(v.ok() ? wxString::FromUTF8("✔ ") + _("Every field of the form passes.") + "  " + tr(v.password.summary)
                              : wxString::Format(_("The form has %zu problem(s); they are shown under the fields."), v.errors.size()));
    const bool ok = v.ok();
    if (ok) {
      frame_.state().ubn = v.values.ubn;
      frame_.state().control_no = v.values.control_no;
    }
    if (out) *out = std::move(v);
    return ok;
  }

  // The message line under the form: an error with its remedy and code, or what runs.
  void say_error(const Error& e) {
    message_->SetForegroundColour(status_colour(Status::fail));
    message_->SetLabel(tr(e.cause()) + "  " + tr(e.remedy()) + "  [" + u8(e.code) + "]");
  }

  void start_busy(const wxString& what) {
    busy_ = true;
    frame_.refresh_nav();
    message_->SetForegroundColour(*wxBLACK);
    message_->SetLabel(what);
  }

  void same_as_registered() {
    form::ApplicationForm f = form();
    form::copy_registered_to_mailing(f);
    set_address("mail_address", f.mail_address);
    check_field("mail_address");
  }

  void load_company() {
    if (!rules_ || busy_) return;
    auto lookup = std::shared_ptr<form::CompanyLookup>(make_company_lookup(frame_.state()));
    if (!lookup) {
      const Error e{"FORM-LOOKUP-FAILED", "no site client in this build"};
      say_error(e);
      return;
    }
    start_busy(_("Asking the company registry..."));
    auto f = std::make_shared<form::ApplicationForm>(form());
    auto outcome = std::make_shared<std::optional<Expected<form::LoadOutcome>>>();
    auto rules = rules_;
    frame_.bg().run([lookup, f, outcome, rules](const CancelToken&) { outcome->emplace(form::load_company(*f, *lookup, *rules->postal)); },
                    [this, f, outcome] {
                      busy_ = false;
                      frame_.refresh_nav();
                      const auto& r = **outcome;
                      if (!r) {
                        say_error(r.error());
                        return;
                      }
                      show_form(*f);
                      message_->SetForegroundColour(status_colour(Status::pass));
                      message_->SetLabel(wxString::Format(_("Loaded from the company registry: %zu field(s) filled, %zu kept as you typed them."),
                                                          r->filled.size(), r->kept.size()));
                      for (const auto& k : r->filled) check_field(k.substr(0, k.find('.')));
                    });
  }

  void save_pdf() {
    if (busy_) return;
    form::Validation v;
    if (!check_all(&v)) return;
    namespace fs = std::filesystem;
    std::string path;
    const std::string& dir = frame_.state().options.report_dir;
    if (!dir.empty()) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      path = (fs::path(dir) / "application-form.pdf").string();
    } else {
      wxFileDialog dlg(this, _("Save the application form"), wxString(), "application-form.pdf", _("PDF files (*.pdf)|*.pdf"),
                       wxFD_SAVE | wxFD_OVERWRITE_PROMPT);
      if (dlg.ShowModal() != wxID_OK) return;
      path = to_u8(dlg.GetPath());
    }
    form::PdfOptions po;
    po.date = rules_->today;
    po.generator = std::string("CertWiz ") + CERTWIZ_VERSION;
    // Laying out and writing the PDF takes a moment: off the UI thread.
    busy_ = true;
    frame_.refresh_nav();
    auto values = std::make_shared<form::ValidatedForm>(v.values);
    auto error = std::make_shared<std::optional<Error>>();
    frame_.bg().run([values, path, po, error](const CancelToken&) { *error = form::write_application_pdf(*values, path, po); },
                    [this, error, path] {
                      busy_ = false;
                      frame_.refresh_nav();
                      if (*error) {
                        say_error(**error);
                        return;
                      }
                      auto& done = frame_.state().steps_done;
                      if (std::find(done.begin(), done.end(), "application") == done.end()) done.push_back("application");
                      message_->SetForegroundColour(status_colour(Status::pass));
                      message_->SetLabel(_("Form saved: ") + u8(path) + "\n" +
                                         _("Print it, stamp it with the company seal and the responsible person's seal, and upload the scan."));
                    });
  }

  void submit_form() {
    form::Validation v;
    if (!check_all(&v) || busy_) return;
    // Refused scans stop the submission: the reviewers could not use them.
    if (attachments_->busy()) return;
    if (auto problems = attachments_->blocking_problems(); !problems.empty()) {
      say_error(problems.front());
      return;
    }
    auto submitter = std::shared_ptr<form::ApplicationSubmitter>(make_application_submitter(frame_.state()));
    if (!submitter) {
      const Error e{"FORM-SUBMIT-NO-SITE", "no site client in this build"};
      say_error(e);
      return;
    }
    start_busy(_("Sending the application..."));
    auto values = std::make_shared<form::ValidatedForm>(v.values);
    auto password = std::make_shared<Secret>(password_->copy());
    auto receipt = std::make_shared<std::optional<Expected<form::SubmissionReceipt>>>();
    frame_.bg().run([submitter, values, password, receipt, scans = attachments_->accepted()](const CancelToken&) {
                      std::vector<form::AttachmentUpload> uploads;
                      for (const auto& a : *scans)
                        uploads.push_back({a.upload_name, std::string(attach::content_type(a.verdict.type)), a.bytes});
                      receipt->emplace(submitter->submit(*values, *password, uploads));
                    },
                    [this, receipt] {
                      busy_ = false;
                      frame_.refresh_nav();
                      const auto& r = **receipt;
                      if (!r) {
                        say_error(r.error());
                        return;
                      }
                      auto& done = frame_.state().steps_done;
                      if (std::find(done.begin(), done.end(), "application") == done.end()) done.push_back("application");
                      frame_.state().steps_done.push_back("application-submitted");
                      if (!r->reference.empty()) {
                        remember_form(frame_.state(), form(), "application");
                        review_->submitted(r->reference);
                      }
                      message_->SetForegroundColour(status_colour(Status::pass));
                      message_->SetLabel(tr(r->message) + (r->reference.empty() ? wxString() : "  (" + u8(r->reference) + ")"));
                    });
  }

  wxScrolledWindow* scroll_;
  wxFlexGridSizer* grid_;
  std::shared_ptr<form::FormRules> rules_;
  wxString rules_error_;
  std::map<std::string, wxTextCtrl*> texts_;
  std::map<std::string, wxChoice*> choices_;
  std::map<std::string, AddressControls> addresses_;
  std::map<std::string, wxStaticText*> errors_;
  SecretEntry* password_ = nullptr;
  AttachmentsPanel* attachments_ = nullptr;
  wxStaticText* message_;
  ApplicationReview* review_ = nullptr;
  bool busy_ = false;
  bool login_touched_ = false;
};

}  // namespace

WizardPage* make_application_page(wxWindow* parent, WizardFrame& frame) { return new ApplicationPage(parent, frame); }

}  // namespace certwiz::gui

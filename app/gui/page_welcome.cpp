// Page 1: which card (自然人憑證 / 工商憑證) and what to do (first-time setup or
// troubleshooting); a helpdesk can open a saved report from here.
#include <wx/button.h>
#include <wx/choice.h>
#include <wx/filedlg.h>
#include <wx/radiobox.h>
#include <wx/sizer.h>
#include <wx/stattext.h>

#include "app/gui/i18n.h"
#include "app/gui/wizard_frame.h"
#include "app/gui/wrap_text.h"

namespace certwiz::gui {
namespace {

class WelcomePage : public WizardPage {
 public:
  WelcomePage(wxWindow* parent, WizardFrame& frame) : WizardPage(parent, frame, PageId::welcome) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    // The language first, each name in its own language (a reader of the other one
    // must recognise it); the wizard is rebuilt in the language chosen.
    auto* lang_row = new wxBoxSizer(wxHORIZONTAL);
    lang_row->Add(new wxStaticText(this, wxID_ANY, wxString::FromUTF8("語言 Language:")), 0,
                  wxALIGN_CENTER_VERTICAL | wxRIGHT, FromDIP(8));
    const wxString langs[] = {wxString::FromUTF8("繁體中文"), "English"};
    auto* lang = new wxChoice(this, wxID_ANY, wxDefaultPosition, wxDefaultSize, 2, langs);
    lang->SetName("welcome_language");
    lang->SetSelection(ui_lang() == Lang::en ? 1 : 0);
    lang_row->Add(lang, 0, wxALIGN_CENTER_VERTICAL);
    s->Add(lang_row, 0, wxBOTTOM, FromDIP(14));
    const wxString cards[] = {_("Citizen digital certificate (MOICA)"),
                              _("Business certificate (MOEACA)")};
    card_ = new wxRadioBox(this, wxID_ANY, _("Which card will you log in with?"), wxDefaultPosition, wxDefaultSize, 2,
                           cards, 1, wxRA_SPECIFY_COLS);
    card_->SetName("welcome_card_kind");
    s->Add(card_, 0, wxEXPAND | wxBOTTOM, FromDIP(14));
    const wxString modes[] = {_("First-time setup: check everything step by step and bind the card"),
                              _("Troubleshoot: run every check at once and show one table of results")};
    mode_ = new wxRadioBox(this, wxID_ANY, _("What do you want to do?"), wxDefaultPosition, wxDefaultSize, 2, modes, 1,
                           wxRA_SPECIFY_COLS);
    mode_->SetName("welcome_mode");
    s->Add(mode_, 0, wxEXPAND | wxBOTTOM, FromDIP(14));
    auto* note = new WrapText(this,
                              _("Have the card reader plugged in and the card inserted. Nothing is sent anywhere "
                                    "until you bind the card or export a report; the PIN goes only to the card."));
    s->Add(note, 0, wxEXPAND | wxBOTTOM, FromDIP(14));
    // Issue 17: an application sent in an earlier session continues where it was left.
    const WizardState& st = frame.state();
    if (st.progress && !st.progress->application_id.empty()) {
      auto* saved = new WrapText(
          this,
          wxString::Format(_("You sent the account application %s earlier; its review takes a few days. Continue where you "
                             "left off to ask the site about it and go on to binding."),
                           u8(st.progress->application_id)),
          "welcome_resume_note");
      s->Add(saved, 0, wxEXPAND | wxBOTTOM, FromDIP(6));
      auto* resume = new wxButton(this, wxID_ANY, _("&Continue where I left off"));
      resume->SetName("welcome_resume");
      resume->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
        const auto& p = frame_.state().progress;
        frame_.state().card = p && p->form.business_cert_login == "enable" ? CardChoice::business : CardChoice::citizen;
        frame_.go_to(PageId::application);
      });
      s->Add(resume, 0, wxBOTTOM, FromDIP(14));
    } else if (st.progress_problem) {
      // A saved file that could not be read was set aside (never lost): say so, once.
      auto* problem = new WrapText(this, tr(st.progress_problem->cause()) + "  " + tr(st.progress_problem->remedy()) + "  [" +
                                             u8(st.progress_problem->code) + "]",
                                   "welcome_progress_problem");
      s->Add(problem, 0, wxEXPAND | wxBOTTOM, FromDIP(14));
    }
    auto* open = new wxButton(this, wxID_ANY, _("&Open a report file (helpdesk)..."));
    open->SetName("welcome_open_report");
    s->Add(open, 0);
    SetSizer(s);

    lang->Bind(wxEVT_CHOICE, [this](wxCommandEvent& e) {
      const Lang chosen = e.GetInt() == 1 ? Lang::en : Lang::zh_TW;
      // After this event: the switch closes the window this choice is in.
      CallAfter([this, chosen] { frame_.switch_language(chosen); });
    });
    card_->Bind(wxEVT_RADIOBOX, [this](wxCommandEvent&) { apply(); });
    mode_->Bind(wxEVT_RADIOBOX, [this](wxCommandEvent&) { apply(); });
    open->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
      wxFileDialog dlg(this, _("Open a CertWiz report"), wxString(), wxString(),
                       _("CertWiz reports (*.zip;*.json)|*.zip;*.json"), wxFD_OPEN | wxFD_FILE_MUST_EXIST);
      if (dlg.ShowModal() == wxID_OK) frame_.open_report(to_u8(dlg.GetPath()));
    });
  }
  wxString title() const override { return _("Welcome"); }
  wxString intro() const override {
    return _("This wizard sets up certificate login for the waste declaration site: card reader, card tool, card, "
             "account application, binding and a test login.");
  }
  // Shows the choices held in the wizard's state (the defaults, or those made before a
  // language switch rebuilt the wizard).
  void entered() override {
    card_->SetSelection(frame_.state().card == CardChoice::business ? 1 : 0);
    mode_->SetSelection(frame_.state().mode == Mode::troubleshoot ? 1 : 0);
  }

 private:
  void apply() {
    frame_.state().card = card_->GetSelection() == 1 ? CardChoice::business : CardChoice::citizen;
    frame_.state().mode = mode_->GetSelection() == 1 ? Mode::troubleshoot : Mode::setup;
  }
  wxRadioBox* card_;
  wxRadioBox* mode_;
};

}  // namespace

WizardPage* make_welcome_page(wxWindow* parent, WizardFrame& frame) { return new WelcomePage(parent, frame); }

}  // namespace certwiz::gui

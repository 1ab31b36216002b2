#include "app/gui/result_detail.h"

#include <wx/clipbrd.h>
#include <wx/sizer.h>

#include "app/gui/accessible.h"
#include "app/gui/i18n.h"
#include "app/gui/results_view.h"

namespace certwiz::gui {

wxString result_details(const CheckResult& r) {
  wxString t = status_label(r.status) + "  " + (r.title.empty() ? u8(r.id) : tr(r.title)) + "\n";
  if (!r.summary.empty()) t += tr(r.summary) + "\n";
  auto line = [&t](const wxString& key, const wxString& value) {
    if (!value.empty()) t += "\n" + key + value + "\n";
  };
  line(_("Cause: "), tr(r.cause));
  line(_("What to do: "), tr(render_remedy(r, FrontEnd::gui)));
  line(_("Failure code: "), u8(r.code));
  line(_("Check: "), u8(r.id));
  line(_("Technical details: "), u8(r.detail));
  if (r.evidence.is_object() && !r.evidence.empty()) line(_("Evidence:\n"), u8(r.evidence.dump(2)));
  return t;
}

ResultDetail::ResultDetail(wxWindow* parent)
    : wxDialog(parent, wxID_ANY, _("Check details"), wxDefaultPosition, wxDefaultSize,
               wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER) {
  SetName("result_detail");
  SetFont(ui_font());
  auto* s = new wxBoxSizer(wxVERTICAL);
  text_ = new wxTextCtrl(this, wxID_ANY, wxString(), wxDefaultPosition, FromDIP(wxSize(560, 320)),
                         wxTE_MULTILINE | wxTE_READONLY | wxTE_WORDWRAP);
  text_->SetName("result_detail_text");
  set_accessible_name(text_, _("Check details"));
  s->Add(text_, 1, wxEXPAND | wxALL, FromDIP(10));
  auto* row = new wxBoxSizer(wxHORIZONTAL);
  copy_ = new wxButton(this, wxID_ANY, _("&Copy"));
  copy_->SetName("result_detail_copy");
  set_accessible_name(copy_, _("Copy the details"));
  copied_ = new wxStaticText(this, wxID_ANY, wxString());
  copied_->SetName("result_detail_copied");
  auto* close = new wxButton(this, wxID_CLOSE, _("C&lose"));
  close->SetName("result_detail_close");
  row->Add(copy_, 0, wxRIGHT, FromDIP(8));
  row->Add(copied_, 1, wxALIGN_CENTER_VERTICAL);
  row->Add(close, 0);
  s->Add(row, 0, wxEXPAND | wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(10));
  SetSizerAndFit(s);
  SetEscapeId(wxID_CLOSE);
  copy_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { copy(); });
  close->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { Hide(); });
}

void ResultDetail::show(const CheckResult& r) {
  SetTitle(r.title.empty() ? u8(r.id) : tr(r.title));
  text_->SetValue(result_details(r));
  text_->SetInsertionPoint(0);
  copied_->SetLabel(wxString());
  Show();
  Raise();
  text_->SetFocus();
}

void ResultDetail::copy() {
  wxClipboard* clip = wxTheClipboard;
  if (!clip->Open()) {
    copied_->SetLabel(_("The clipboard is busy; try again."));
    return;
  }
  clip->SetData(new wxTextDataObject(text_->GetValue()));
  clip->Close();
  copied_->SetLabel(_("Copied."));
}

}  // namespace certwiz::gui

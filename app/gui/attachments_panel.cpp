#include "app/gui/attachments_panel.h"

#include <cstring>

#include <wx/button.h>
#include <wx/filedlg.h>
#include <wx/listbox.h>
#include <wx/log.h>
#include <wx/mstream.h>
#include <wx/sizer.h>
#include <wx/statbmp.h>
#include <wx/stattext.h>

#include "app/gui/background.h"
#include "app/gui/i18n.h"
#include "app/gui/results_view.h"
#include "app/gui/wrap_text.h"

namespace certwiz::gui {
namespace {

constexpr int kPreviewWidth = 150, kPreviewHeight = 212;  // DIP: an A4 page's shape

// Made on the worker thread (wxImage is not a GUI object): the first page of a PDF, or
// the image itself, scaled to fit the preview box.
wxImage make_preview(const attach::Attachment& a, int width, int height) {
  wxLogNull quiet;  // a preview that cannot be made is no reason for a message box
  const auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(a.bytes.data()), a.bytes.size());
  wxImage img;
  if (a.verdict.type == attach::FileType::pdf) {
    auto page = attach::render_pdf_first_page(bytes, std::max(width, height));
    if (!page) return {};
    img.Create(page->width, page->height, false);
    std::memcpy(img.GetData(), page->rgb.data(), page->rgb.size());
  } else {
    wxMemoryInputStream in(a.bytes.data(), a.bytes.size());
    if (!img.LoadFile(in, a.verdict.type == attach::FileType::png ? wxBITMAP_TYPE_PNG : wxBITMAP_TYPE_JPEG)) return {};
  }
  const double scale = std::min(static_cast<double>(width) / img.GetWidth(), static_cast<double>(height) / img.GetHeight());
  if (scale < 1.0)
    img.Rescale(std::max(1, static_cast<int>(img.GetWidth() * scale)), std::max(1, static_cast<int>(img.GetHeight() * scale)),
                wxIMAGE_QUALITY_BOX_AVERAGE);
  return img;
}

wxString describe(const attach::Verdict& v) {
  const wxString size = wxString::Format("%.1f MiB", static_cast<double>(v.size) / (1024.0 * 1024.0));
  switch (v.type) {
    case attach::FileType::pdf:
      return v.pages > 0 ? wxString::Format(_("PDF, %d page(s), %s"), v.pages, size) : "PDF, " + size;
    case attach::FileType::jpeg:
    case attach::FileType::png:
      return wxString::Format(_("%s image, %u x %u pixels, %s"), v.type == attach::FileType::png ? "PNG" : "JPEG", v.width,
                              v.height, size);
    default: return size;
  }
}

wxString problem_line(const char* mark, const Error& e) {
  return wxString::FromUTF8(mark) + " " + tr(e.cause()) + "  " + tr(e.remedy()) + "  [" + u8(e.code) + "]";
}

}  // namespace

AttachmentsPanel::AttachmentsPanel(wxWindow* parent, Background& bg) : wxPanel(parent, wxID_ANY), bg_(bg) {
  SetName("attachments");
  if (!wxImage::FindHandler(wxBITMAP_TYPE_PNG) || !wxImage::FindHandler(wxBITMAP_TYPE_JPEG)) wxInitAllImageHandlers();
  auto* outer = new wxBoxSizer(wxVERTICAL);
  // Wrapped: a long label must not widen the page at large scaling.
  outer->Add(new WrapText(this,
                          _("Attachments: the stamped application and the business registration copy, scanned (PDF, JPEG or PNG)"),
                          "attachments_heading"),
             0, wxEXPAND | wxBOTTOM, FromDIP(4));
  auto* row = new wxBoxSizer(wxHORIZONTAL);
  auto* left = new wxBoxSizer(wxVERTICAL);
  list_ = new wxListBox(this, wxID_ANY);
  list_->SetName("attachments_list");
  list_->SetMinSize(FromDIP(wxSize(260, 90)));
  left->Add(list_, 1, wxEXPAND | wxBOTTOM, FromDIP(4));
  auto* buttons = new wxBoxSizer(wxHORIZONTAL);
  auto* add = new wxButton(this, wxID_ANY, _("&Add a scan..."));
  add->SetName("attachments_add");
  remove_ = new wxButton(this, wxID_ANY, _("&Remove"));
  remove_->SetName("attachments_remove");
  remove_->Disable();
  buttons->Add(add, 0, wxRIGHT, FromDIP(8));
  buttons->Add(remove_, 0);
  left->Add(buttons, 0);
  verdict_ = new WrapText(this, wxString(), "attachments_verdict");
  left->Add(verdict_, 0, wxEXPAND | wxTOP, FromDIP(4));
  row->Add(left, 1, wxEXPAND | wxRIGHT, FromDIP(8));
  preview_ = new wxStaticBitmap(this, wxID_ANY, wxNullBitmap, wxDefaultPosition, FromDIP(wxSize(kPreviewWidth, kPreviewHeight)));
  preview_->SetName("attachments_preview");
  preview_->SetMinSize(FromDIP(wxSize(kPreviewWidth, kPreviewHeight)));
  row->Add(preview_, 0);
  outer->Add(row, 1, wxEXPAND);
  SetSizer(outer);
  add->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { choose_files(); });
  remove_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { remove_selected(); });
  list_->Bind(wxEVT_LISTBOX, [this](wxCommandEvent&) { show_selected(); });
}

void AttachmentsPanel::choose_files() {
  wxFileDialog dlg(this, _("Add a scanned document"), wxString(), wxString(),
                   _("Scans (*.pdf;*.jpg;*.jpeg;*.png)|*.pdf;*.PDF;*.jpg;*.JPG;*.jpeg;*.JPEG;*.png;*.PNG|All files|*"),
                   wxFD_OPEN | wxFD_FILE_MUST_EXIST | wxFD_MULTIPLE);
  if (dlg.ShowModal() != wxID_OK) return;
  wxArrayString paths;
  dlg.GetPaths(paths);
  std::vector<std::string> files;
  // The file system's own bytes (fn_str), so a name in a legacy encoding still opens.
  for (const auto& p : paths) files.emplace_back(static_cast<const char*>(p.fn_str()));
  add_files(files);
}

void AttachmentsPanel::add_files(const std::vector<std::string>& paths) {
  const wxSize box = FromDIP(wxSize(kPreviewWidth, kPreviewHeight));
  for (const auto& path : paths) {
    ++pending_;
    auto result = std::make_shared<Item>();
    bg_.run(
        [path, result, box](const CancelToken&) {
          auto a = std::make_shared<attach::Attachment>(attach::load_attachment(path));
          if (a->verdict.accepted()) result->preview = make_preview(*a, box.x, box.y);
          result->attachment = std::move(a);
        },
        [this, result] {
          --pending_;
          items_.push_back(std::move(*result));
          refresh_list();
          list_->SetSelection(static_cast<int>(items_.size()) - 1);
          show_selected();
        });
  }
}

void AttachmentsPanel::remove_selected() {
  const int sel = list_->GetSelection();
  if (sel == wxNOT_FOUND || sel >= static_cast<int>(items_.size())) return;
  items_.erase(items_.begin() + sel);
  refresh_list();
  if (!items_.empty()) list_->SetSelection(std::min(sel, static_cast<int>(items_.size()) - 1));
  show_selected();
}

void AttachmentsPanel::refresh_list() {
  list_->Clear();
  for (const auto& it : items_) {
    const auto& v = it.attachment->verdict;
    const char* mark = !v.accepted() ? "✘" : v.warnings.empty() ? "✔" : "⚠";
    list_->Append(wxString::FromUTF8(mark) + " " + u8(v.display_name));
  }
}

void AttachmentsPanel::show_selected() {
  const int sel = list_->GetSelection();
  remove_->Enable(sel != wxNOT_FOUND);
  wxString text;
  for (const auto& e : attach::check_set(set_view())) text += problem_line("✘", e) + "\n";
  if (sel == wxNOT_FOUND || sel >= static_cast<int>(items_.size())) {
    preview_->SetBitmap(wxNullBitmap);
    verdict_->SetLabel(text.Trim());
    Layout();
    if (auto* parent = GetParent()) {
      parent->Layout();
      parent->FitInside();
    }
    return;
  }
  const Item& it = items_[static_cast<size_t>(sel)];
  const auto& v = it.attachment->verdict;
  if (v.rejection) text += problem_line("✘", *v.rejection) + "\n";
  else text += wxString::FromUTF8("✔ ") + u8(v.display_name) + ": " + describe(v) + "\n";
  for (const auto& w : v.warnings) text += problem_line("⚠", w) + "\n";
  verdict_->SetForegroundColour(status_colour(v.rejection ? Status::fail : v.warnings.empty() ? Status::pass : Status::warn));
  verdict_->SetLabel(text.Trim());
  preview_->SetBitmap(it.preview.IsOk() ? wxBitmap(it.preview) : wxNullBitmap);
  Layout();
  if (auto* parent = GetParent()) {
    parent->Layout();
    parent->FitInside();  // the scrolled form grows with a longer verdict
  }
}

std::vector<Error> AttachmentsPanel::blocking_problems() const {
  std::vector<Error> problems;
  for (const auto& it : items_)
    if (it.attachment->verdict.rejection) problems.push_back(*it.attachment->verdict.rejection);
  for (auto& e : attach::check_set(set_view())) problems.push_back(std::move(e));
  return problems;
}

std::vector<attach::Attachment> AttachmentsPanel::set_view() const {
  std::vector<attach::Attachment> view;
  for (const auto& it : items_) {
    if (!it.attachment->verdict.accepted()) continue;
    attach::Attachment a;  // the verdict and digest are what the set's checks read, not the bytes
    a.verdict = it.attachment->verdict;
    a.sha256_hex = it.attachment->sha256_hex;
    view.push_back(std::move(a));
  }
  return view;
}

std::shared_ptr<const std::vector<attach::Attachment>> AttachmentsPanel::accepted() const {
  auto out = std::make_shared<std::vector<attach::Attachment>>();
  for (const auto& it : items_)
    if (it.attachment->verdict.accepted()) out->push_back(*it.attachment);
  return out;
}

}  // namespace certwiz::gui

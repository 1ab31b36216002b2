#include "app/gui/results_view.h"

#include <algorithm>

#include "app/gui/accessible.h"
#include "app/gui/i18n.h"
#include "app/gui/result_detail.h"

namespace certwiz::gui {

wxString status_label(Status s) {
  switch (s) {
    case Status::pass: return wxString::FromUTF8("✔ ") + _("Passed");
    case Status::warn: return wxString::FromUTF8("! ") + _("Warning");
    case Status::fail: return wxString::FromUTF8("✘ ") + _("Failed");
    case Status::skipped: return wxString::FromUTF8("– ") + _("Skipped");
    case Status::unknown: return wxString::FromUTF8("? ") + _("Undecided");
  }
  return "?";
}

wxColour status_colour(Status s) {
  switch (s) {
    case Status::pass: return wxColour(0x1b, 0x7a, 0x2e);
    case Status::warn: return wxColour(0x9a, 0x5b, 0x00);
    case Status::fail: return wxColour(0xb0, 0x1c, 0x1c);
    case Status::skipped:
    case Status::unknown: return wxColour(0x55, 0x55, 0x55);
  }
  return *wxBLACK;
}

wxString next_step(const CheckResult& r) {
  const Text remedy = render_remedy(r, FrontEnd::gui);
  return _("Next step: ") + tr(remedy.empty() ? r.summary : remedy);
}

ResultsView::ResultsView(wxWindow* parent, const wxString& name)
    : wxListCtrl(parent, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxLC_REPORT | wxLC_SINGLE_SEL | wxBORDER_THEME) {
  SetName(name);
  SetFont(ui_font());
  // Widths in characters of the list's font, so they grow with font scaling too.
  const int em = GetCharWidth();
  AppendColumn(_("Status"), wxLIST_FORMAT_LEFT, em * 11);
  AppendColumn(_("Check"), wxLIST_FORMAT_LEFT, em * 24);
  AppendColumn(_("Result"), wxLIST_FORMAT_LEFT, em * 40);
  AppendColumn(_("Failure code"), wxLIST_FORMAT_LEFT, em * 21);
  AppendColumn(_("What to do"), wxLIST_FORMAT_LEFT, em * 50);
  // The list scrolls sideways itself: its columns must not widen the page.
  SetMinSize(wxSize(em * 30, GetCharHeight() * 8));
  set_accessible_name(this, _("Check results: press Enter on a row for all of it"));
  SetToolTip(_("Double-click a row, or press Enter, to read all of it and copy it."));
  Bind(wxEVT_LIST_ITEM_ACTIVATED, [this](wxListEvent& e) { open_details(e.GetIndex()); });
}

bool ResultsView::open_details(long row) {
  if (row < 0 || row >= static_cast<long>(results_.size()) || !results_[static_cast<size_t>(row)]) return false;
  if (!details_) details_ = new ResultDetail(wxGetTopLevelParent(this));
  details_->show(*results_[static_cast<size_t>(row)]);
  return true;
}

long ResultsView::row_of(const std::string& id) const {
  auto it = std::find(ids_.begin(), ids_.end(), id);
  return it == ids_.end() ? -1 : static_cast<long>(it - ids_.begin());
}

wxString ResultsView::cell(long row, int column) const { return GetItemText(row, column); }

long ResultsView::ensure_row(const std::string& id, const Text& title) {
  long row = row_of(id);
  if (row < 0) {
    row = InsertItem(GetItemCount(), wxString());
    ids_.push_back(id);
    results_.emplace_back();
  }
  SetItem(row, 1, title.empty() ? u8(id) : tr(title));
  return row;
}

void ResultsView::running(const std::string& id, const Text& title) {
  const long row = ensure_row(id, title);
  results_[static_cast<size_t>(row)].reset();
  SetItem(row, 0, wxString::FromUTF8("… ") + _("Checking"));
  SetItem(row, 2, wxString());
  SetItem(row, 3, wxString());
  SetItem(row, 4, wxString());
  SetItemTextColour(row, status_colour(Status::unknown));
}

void ResultsView::show(const CheckResult& r) {
  const long row = ensure_row(r.id, r.title);
  SetItem(row, 0, status_label(r.status));
  SetItem(row, 2, tr(r.summary));
  SetItem(row, 3, u8(r.code));
  SetItem(row, 4, r.status == Status::pass ? wxString() : tr(render_remedy(r, FrontEnd::gui)));
  SetItemTextColour(row, status_colour(r.status));
  results_[static_cast<size_t>(row)] = r;
}

void ResultsView::clear_rows() {
  DeleteAllItems();
  ids_.clear();
  results_.clear();
}

}  // namespace certwiz::gui

#pragma once
// A table of check results: status, check, result, failure code and remedy. Rows are
// keyed by check id, so a progress event updates its row in place. A row opens the whole
// result (Enter or double-click): a cell may cut a long remedy short, the details never.
#include <optional>
#include <string>
#include <vector>

#include <wx/listctrl.h>

#include "checks/core/result.h"

namespace certwiz::gui {

wxString status_label(Status s);  // "✔ 通過", ...
wxColour status_colour(Status s);
// "Next step: " and what to do about `r` (its remedy in the wizard's words, else its summary).
wxString next_step(const CheckResult& r);

class ResultDetail;

class ResultsView : public wxListCtrl {
 public:
  ResultsView(wxWindow* parent, const wxString& name);
  // A check that started: a row saying it is running.
  void running(const std::string& id, const Text& title);
  // A finished check: its row (added when new).
  void show(const CheckResult& r);
  void clear_rows();
  // The row of a check id; -1 when absent.
  long row_of(const std::string& id) const;
  // Text of a cell (column 0 status, 1 check, 2 result, 3 code, 4 remedy).
  wxString cell(long row, int column) const;
  // Opens the details of a finished row (false for a row still running or absent).
  bool open_details(long row);
  // The details window once a row opened it (tests).
  ResultDetail* details() const { return details_; }

 private:
  long ensure_row(const std::string& id, const Text& title);
  std::vector<std::string> ids_;
  std::vector<std::optional<CheckResult>> results_;  // per row; empty while it runs
  ResultDetail* details_ = nullptr;
};

}  // namespace certwiz::gui

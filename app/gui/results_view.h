#pragma once
// A table of check results: status, check, result, failure code and remedy. Rows are
// keyed by check id, so a progress event updates its row in place.
#include <string>
#include <vector>

#include <wx/listctrl.h>

#include "checks/core/result.h"

namespace certwiz::gui {

wxString status_label(Status s);  // "✔ 通過", ...
wxColour status_colour(Status s);

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

 private:
  long ensure_row(const std::string& id, const Text& title);
  std::vector<std::string> ids_;
};

}  // namespace certwiz::gui

#include "app/gui/accessible.h"

namespace certwiz::gui {

// Toolkits without an accessibility API wx exposes: the tooltip carries the name.
void set_accessible_name(wxWindow* w, const wxString& name) { w->SetToolTip(name); }
wxString accessible_name(wxWindow*) { return {}; }

}  // namespace certwiz::gui

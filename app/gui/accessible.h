#pragma once
// Accessible names for controls, as a screen reader announces them (the field's label
// in the UI language). The window name (SetName) stays the stable id tests use.
// accessible_linux.cpp sets the ATK name of the GTK widget; accessible_generic.cpp
// relies on the toolkit's default (the control's own label).
#include <wx/window.h>

namespace certwiz::gui {

void set_accessible_name(wxWindow* w, const wxString& name);
// What assistive technology reads for `w` (empty when the platform offers no way to ask).
wxString accessible_name(wxWindow* w);

}  // namespace certwiz::gui

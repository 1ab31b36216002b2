#include <gtk/gtk.h>

#include "app/gui/accessible.h"

namespace certwiz::gui {

void set_accessible_name(wxWindow* w, const wxString& name) {
  w->SetToolTip(name);
  auto* widget = static_cast<GtkWidget*>(w->GetHandle());
  if (!widget) return;
  // Composite wx controls (e.g. a text control in a scrolled window) put the focusable
  // widget inside the handle; name both.
  for (GtkWidget* target : {widget, w->GetConnectWidget()}) {
    if (!target) continue;
    if (AtkObject* a = gtk_widget_get_accessible(target)) atk_object_set_name(a, name.utf8_str());
  }
}

wxString accessible_name(wxWindow* w) {
  auto* widget = w->GetConnectWidget();
  if (!widget) widget = static_cast<GtkWidget*>(w->GetHandle());
  AtkObject* a = widget ? gtk_widget_get_accessible(widget) : nullptr;
  const char* n = a ? atk_object_get_name(a) : nullptr;
  return n ? wxString::FromUTF8(n) : wxString();
}

}  // namespace certwiz::gui

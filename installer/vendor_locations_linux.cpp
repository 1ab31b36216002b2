// Linux: the vendor's HiPKILocalSignServerApp.tar.gz installs to /usr/local/HiPKILocalSignServerApp
// (start.sh starts the component); Firefox keeps profiles in ~/.mozilla/firefox, or in the
// snap's or the flatpak's own folder.
#include <cstdlib>
#include <string>

#include "installer/status.h"

namespace certwiz::installer {

VendorLocations vendor_locations() {
  VendorLocations v;
  v.component_dirs = {"/usr/local/HiPKILocalSignServerApp"};
  const char* h = std::getenv("HOME");
  if (h && *h) {
    const std::string home = h;
    v.firefox_dirs = {home + "/.mozilla/firefox", home + "/snap/firefox/common/.mozilla/firefox",
                      home + "/.var/app/org.mozilla.firefox/.mozilla/firefox"};
  }
  return v;
}

}  // namespace certwiz::installer

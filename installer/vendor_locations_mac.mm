// macOS: HiPKILocalSignServer.pkg installs the component as the launchd job
// com.node.HIPKILocalServer.cht (its plist marks the install); Firefox keeps profiles in
// ~/Library/Application Support/Firefox.
#include <cstdlib>
#include <string>

#include "installer/status.h"

namespace certwiz::installer {

VendorLocations vendor_locations() {
  VendorLocations v;
  v.component_dirs = {"/Library/LaunchAgents/com.node.HIPKILocalServer.cht.plist",
                      "/Library/LaunchDaemons/com.node.HIPKILocalServer.cht.plist",
                      "/Applications/HiPKILocalSignServer.app", "/Library/HiPKILocalSignServer"};
  if (const char* h = std::getenv("HOME"); h && *h)
    v.firefox_dirs = {std::string(h) + "/Library/Application Support/Firefox"};
  return v;
}

}  // namespace certwiz::installer

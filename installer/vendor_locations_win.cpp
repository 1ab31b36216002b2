// Windows: HiCOS_Client.exe installs the component to %ProgramFiles(x86)%\HiPKILocalSignServer
// (ChkSrv.exe, chtnode.exe); Firefox keeps profiles in %APPDATA%\Mozilla\Firefox.
#include <cstdlib>
#include <string>

#include "installer/status.h"

namespace certwiz::installer {

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}
}  // namespace

VendorLocations vendor_locations() {
  VendorLocations v;
  for (const char* var : {"ProgramFiles(x86)", "ProgramFiles"})
    if (const std::string base = env(var); !base.empty()) v.component_dirs.push_back(base + "\\HiPKILocalSignServer");
  if (v.component_dirs.empty()) v.component_dirs.push_back("C:\\Program Files (x86)\\HiPKILocalSignServer");
  if (const std::string appdata = env("APPDATA"); !appdata.empty()) v.firefox_dirs.push_back(appdata + "\\Mozilla\\Firefox");
  return v;
}

}  // namespace certwiz::installer

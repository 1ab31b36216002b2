// Other systems: only the catalogue's general remedies.
#include <pcsclite.h>

#include <string>

#include "checks/pcsc/host_service.h"

namespace certwiz::pcsc {

PcscPaths default_pcsc_paths() { return PcscPaths{}; }
std::string pcsc_library_version() { return "pcsc-lite " PCSCLITE_VERSION_NUMBER; }

std::string_view os_name() { return "other"; }
Text platform_remedy(std::string_view) { return {}; }

}  // namespace certwiz::pcsc

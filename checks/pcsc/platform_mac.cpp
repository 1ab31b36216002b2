// macOS: the PC/SC service is built in (CryptoTokenKit's com.apple.ctkpcscd) and starts on
// demand; a missing service means the system component is broken, not "not installed".
#include <string>

#include "checks/pcsc/host_service.h"

namespace certwiz::pcsc {

PcscPaths default_pcsc_paths() {
  return PcscPaths{"", "", "/usr/local/libexec/SmartCardServices/drivers", ""};
}

std::string pcsc_library_version() { return "PCSC.framework (macOS)"; }

std::string_view os_name() { return "macos"; }

Text platform_remedy(std::string_view code) {
  if (code == "PCSC-NO-SERVICE")
    return {"macOS 內建智慧卡服務，會在插入讀卡機時自動啟動：請拔插讀卡機；仍失敗時重新開機。",
            "macOS has the smart-card service built in and starts it when a reader is plugged in: unplug and replug the "
            "reader, and restart the Mac if it still fails."};
  if (code == "PCSC-READER-NO-DRIVER")
    return {"安裝讀卡機廠商提供的 macOS 驅動程式（放在 /usr/local/libexec/SmartCardServices/drivers），再拔插讀卡機。",
            "Install the reader maker's macOS driver (it goes in /usr/local/libexec/SmartCardServices/drivers), then replug the reader."};
  return {};
}

}  // namespace certwiz::pcsc

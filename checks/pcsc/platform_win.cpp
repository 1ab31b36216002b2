// Windows: the Smart Card service (SCardSvr), which Windows 8 and later stop when the
// last reader is unplugged; drivers come through Windows Update or the reader maker.
#include <cstdlib>
#include <string>

#include "checks/pcsc/host_service.h"

namespace certwiz::pcsc {

PcscPaths default_pcsc_paths() { return PcscPaths{}; }  // no /proc, sysfs or bundles

std::string pcsc_library_version() { return "winscard (Windows)"; }

std::string_view os_name() { return "windows"; }

Text platform_remedy(std::string_view code) {
  if (code == "PCSC-NO-SERVICE")
    return {"插上讀卡機後，開啟「服務」（services.msc），將「智慧卡」（SCardSvr）設為自動並啟動；或以系統管理員身分執行 sc config SCardSvr start= auto 與 sc start SCardSvr。",
            "With the reader plugged in, open Services (services.msc) and set Smart Card (SCardSvr) to Automatic and start it; "
            "or, as administrator, run: sc config SCardSvr start= auto, then sc start SCardSvr."};
  if (code == "PCSC-READER-NO-DRIVER")
    return {"在「裝置管理員」中查看讀卡機是否有驚嘆號，安裝讀卡機廠商的 Windows 驅動程式或執行 Windows Update。",
            "In Device Manager, check the reader for a warning sign; install the maker's Windows driver or run Windows Update."};
  if (code == "PCSC-READER-NOT-SEEN" || code == "PCSC-SERVICE-ERROR" || code == "PCSC-LIST-FAILED")
    return {"以系統管理員身分執行 sc stop SCardSvr 與 sc start SCardSvr，再拔插讀卡機。",
            "As administrator run sc stop SCardSvr, then sc start SCardSvr, and unplug and replug the reader."};
  return {};
}

}  // namespace certwiz::pcsc

// Windows: the Smart Card service (SCardSvr), which Windows 8 and later stop when the
// last reader is unplugged; drivers come through Windows Update or the reader maker.
// The remedies name what this machine shows: the service's state and start type (Service
// Control Manager) and readers Device Manager flags (SetupAPI, class SmartCardReader).
#include <windows.h>
#include <cfgmgr32.h>
#include <setupapi.h>

#include <string>
#include <vector>

#include "checks/core/wide_text.h"
#include "checks/pcsc/host_service.h"

namespace certwiz::pcsc {
namespace {

// {50dd5230-ba8a-11d1-bf5d-0000f805f530}: the SmartCardReader device setup class.
const GUID kSmartCardReaderClass = {0x50dd5230, 0xba8a, 0x11d1, {0xbf, 0x5d, 0x00, 0x00, 0xf8, 0x05, 0xf5, 0x30}};

struct ServiceState {
  bool found = false;
  bool running = false;
  bool disabled = false;
};

ServiceState smart_card_service() {
  ServiceState s;
  SC_HANDLE manager = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (!manager) return s;
  SC_HANDLE service = OpenServiceW(manager, L"SCardSvr", SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG);
  if (service) {
    s.found = true;
    SERVICE_STATUS status{};
    if (QueryServiceStatus(service, &status)) s.running = status.dwCurrentState == SERVICE_RUNNING;
    DWORD needed = 0;
    QueryServiceConfigW(service, nullptr, 0, &needed);
    std::vector<unsigned char> buf(needed);
    auto* config = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buf.data());
    if (needed && QueryServiceConfigW(service, config, needed, &needed))
      s.disabled = config->dwStartType == SERVICE_DISABLED;
    CloseServiceHandle(service);
  }
  CloseServiceHandle(manager);
  return s;
}

// Readers Device Manager marks with a problem (no driver, disabled, failed to start).
std::vector<std::string> readers_with_problems() {
  std::vector<std::string> out;
  HDEVINFO set = SetupDiGetClassDevsW(&kSmartCardReaderClass, nullptr, nullptr, DIGCF_PRESENT);
  if (set == INVALID_HANDLE_VALUE) return out;
  SP_DEVINFO_DATA dev{};
  dev.cbSize = sizeof dev;
  for (DWORD i = 0; SetupDiEnumDeviceInfo(set, i, &dev); ++i) {
    ULONG status = 0, problem = 0;
    if (CM_Get_DevNode_Status(&status, &problem, dev.DevInst, 0) != CR_SUCCESS || !(status & DN_HAS_PROBLEM)) continue;
    wchar_t name[256] = {0};
    if (!SetupDiGetDeviceRegistryPropertyW(set, &dev, SPDRP_FRIENDLYNAME, nullptr, reinterpret_cast<BYTE*>(name),
                                           sizeof name - sizeof(wchar_t), nullptr))
      SetupDiGetDeviceRegistryPropertyW(set, &dev, SPDRP_DEVICEDESC, nullptr, reinterpret_cast<BYTE*>(name),
                                        sizeof name - sizeof(wchar_t), nullptr);
    out.push_back(narrow(name) + " (problem code " + std::to_string(problem) + ")");
  }
  SetupDiDestroyDeviceInfoList(set);
  return out;
}

}  // namespace

PcscPaths default_pcsc_paths() { return PcscPaths{}; }  // no /proc, sysfs or bundles

std::string pcsc_library_version() { return "winscard (Windows)"; }

std::string_view os_name() { return "windows"; }

Text platform_remedy(std::string_view code) {
  if (code == "PCSC-NO-SERVICE") {
    const ServiceState s = smart_card_service();
    if (s.found && s.disabled)
      return {"「智慧卡」服務（SCardSvr）已被停用：以系統管理員身分執行 sc config SCardSvr start= demand 與 sc start SCardSvr，或在「服務」（services.msc）中改為「手動」並啟動。",
              "The Smart Card service (SCardSvr) is disabled: as administrator run sc config SCardSvr start= demand, then "
              "sc start SCardSvr; or set it to Manual in Services (services.msc) and start it."};
    if (s.found && !s.running)
      return {"「智慧卡」服務（SCardSvr）沒有執行：Windows 在沒有讀卡機時會停止它。插上讀卡機後等幾秒；仍未啟動時，以系統管理員身分執行 sc start SCardSvr。",
              "The Smart Card service (SCardSvr) is not running: Windows stops it while no reader is plugged in. Plug the "
              "reader in and wait a few seconds; if it still does not start, run sc start SCardSvr as administrator."};
    return {"插上讀卡機後，開啟「服務」（services.msc），將「智慧卡」（SCardSvr）設為自動並啟動；或以系統管理員身分執行 sc config SCardSvr start= auto 與 sc start SCardSvr。",
            "With the reader plugged in, open Services (services.msc) and set Smart Card (SCardSvr) to Automatic and start it; "
            "or, as administrator, run: sc config SCardSvr start= auto, then sc start SCardSvr."};
  }
  if (code == "PCSC-READER-NO-DRIVER") {
    std::string flagged;
    for (const auto& r : readers_with_problems()) flagged += (flagged.empty() ? "" : "; ") + r;
    Text t{"在「裝置管理員」中查看讀卡機是否有驚嘆號，安裝讀卡機廠商的 Windows 驅動程式或執行 Windows Update。",
           "In Device Manager, check the reader for a warning sign; install the maker's Windows driver or run Windows Update."};
    if (!flagged.empty()) {
      t.zh_TW += "裝置管理員標示有問題的讀卡機：" + flagged;
      t.en += " Device Manager flags: " + flagged;
    }
    return t;
  }
  if (code == "PCSC-READER-NOT-SEEN" || code == "PCSC-SERVICE-ERROR" || code == "PCSC-LIST-FAILED")
    return {"以系統管理員身分執行 sc stop SCardSvr 與 sc start SCardSvr，再拔插讀卡機。",
            "As administrator run sc stop SCardSvr, then sc start SCardSvr, and unplug and replug the reader."};
  return {};
}

}  // namespace certwiz::pcsc

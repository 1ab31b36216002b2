// Linux: pcsc-lite's pcscd, usually socket-activated by systemd; drivers in /usr/lib/pcsc.
#include <pcsclite.h>

#include <string>

#include "checks/pcsc/host_service.h"

namespace certwiz::pcsc {

PcscPaths default_pcsc_paths() {
  return PcscPaths{"/proc", "/sys", "/usr/lib/pcsc/drivers", "/var/lib/dpkg/status"};
}

std::string pcsc_library_version() { return "pcsc-lite " PCSCLITE_VERSION_NUMBER; }

std::string_view os_name() { return "linux"; }

Text platform_remedy(std::string_view code) {
  if (code == "PCSC-NO-SERVICE")
    return {"在終端機執行：sudo systemctl enable --now pcscd.socket（若尚未安裝：sudo apt install pcscd）。沒有 systemd 的系統請執行 sudo pcscd。",
            "In a terminal run: sudo systemctl enable --now pcscd.socket (if it is missing: sudo apt install pcscd). "
            "Without systemd, run: sudo pcscd."};
  if (code == "PCSC-SECOND-DAEMON")
    return {"執行 ps -C pcscd,ifdhandler 找出多餘的程式並結束；移除 openct 套件（sudo apt remove openct），再執行 sudo systemctl restart pcscd.socket。",
            "Run ps -C pcscd,ifdhandler to find the extra processes and stop them; remove openct (sudo apt remove openct), "
            "then run sudo systemctl restart pcscd.socket."};
  if (code == "PCSC-ACCESS-DENIED")
    return {"pcsc-lite 使用 polkit 控管存取：請在本機桌面登入執行，或由管理員在 /etc/polkit-1/rules.d 加入允許 org.debian.pcsc-lite.access_pcsc 的規則。",
            "pcsc-lite controls access with polkit: run from a local desktop session, or have an administrator add a rule "
            "allowing org.debian.pcsc-lite.access_pcsc in /etc/polkit-1/rules.d."};
  if (code == "PCSC-READER-NO-DRIVER")
    return {"執行 sudo apt install libccid，然後拔插讀卡機；不支援 CCID 的讀卡機請安裝廠商提供的 Linux 驅動程式。",
            "Run sudo apt install libccid, then unplug and replug the reader; readers that are not CCID need the maker's Linux driver."};
  if (code == "PCSC-READER-NOT-SEEN" || code == "PCSC-SERVICE-ERROR" || code == "PCSC-LIST-FAILED")
    return {"執行 sudo systemctl restart pcscd.socket pcscd.service，再拔插讀卡機。",
            "Run sudo systemctl restart pcscd.socket pcscd.service, then unplug and replug the reader."};
  return {};
}

}  // namespace certwiz::pcsc

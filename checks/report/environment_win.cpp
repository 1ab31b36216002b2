// Windows: the version from RtlGetVersion (GetVersionEx lies to unmanifested programs),
// the user and computer names, the user's UI language, and the network adapters
// (GetAdaptersAddresses). Addresses and MACs are redacted in reports, as on Linux.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "checks/core/wide_text.h"
#include "checks/report/environment.h"

namespace certwiz::report {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string windows_version() {
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  OSVERSIONINFOW v{};
  v.dwOSVersionInfoSize = sizeof v;
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  auto get = ntdll ? reinterpret_cast<RtlGetVersionFn>(reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")))
                   : nullptr;
  if (!get || get(&v) != 0) return "Windows";
  // Windows 11 still reports 10.0; its builds start at 22000.
  const char* name = v.dwMajorVersion == 10 && v.dwBuildNumber >= 22000 ? "Windows 11"
                     : v.dwMajorVersion == 10                           ? "Windows 10"
                                                                        : "Windows";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s (%lu.%lu.%lu)", name, v.dwMajorVersion, v.dwMinorVersion, v.dwBuildNumber);
  return buf;
}

}  // namespace

LocalIdentity local_identity() {
  LocalIdentity id;
  wchar_t user[257] = {0};
  DWORD n = 257;
  if (GetUserNameW(user, &n) && user[0]) id.user_names.push_back(narrow(user));
  for (const char* var : {"USERNAME"})
    if (const std::string v = env_or_empty(var); !v.empty()) id.user_names.push_back(v);
  wchar_t host[MAX_COMPUTERNAME_LENGTH + 1] = {0};
  n = MAX_COMPUTERNAME_LENGTH + 1;
  if (GetComputerNameW(host, &n) && host[0]) id.host_names.push_back(narrow(host));
  wchar_t dns[256] = {0};
  n = 256;
  if (GetComputerNameExW(ComputerNameDnsFullyQualified, dns, &n) && dns[0]) id.host_names.push_back(narrow(dns));
  return id;
}

Json system_facts() {
  Json f = Json::object();
  f["os"] = windows_version();
  SYSTEM_INFO si{};
  GetNativeSystemInfo(&si);
  f["architecture"] = si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64   ? "x86_64"
                      : si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_ARM64 ? "aarch64"
                      : si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_INTEL ? "x86"
                                                                                 : "other";
  const LocalIdentity id = local_identity();
  f["user"] = id.user_names.empty() ? Json(nullptr) : Json(id.user_names.front());
  f["hostname"] = id.host_names.empty() ? Json(nullptr) : Json(id.host_names.front());
  f["home"] = env_or_empty("USERPROFILE");
  wchar_t locale[LOCALE_NAME_MAX_LENGTH] = {0};
  f["locale"] = GetUserDefaultLocaleName(locale, LOCALE_NAME_MAX_LENGTH) ? narrow(locale) : "unknown";
  f["ansi_code_page"] = GetACP();  // 950 (Big5) on a Traditional Chinese system

  Json interfaces = Json::array();
  ULONG size = 16 * 1024;
  std::vector<unsigned char> buf(size);
  ULONG rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST, nullptr,
                                  reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()), &size);
  if (rc == ERROR_BUFFER_OVERFLOW) {
    buf.resize(size);
    rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST, nullptr,
                              reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()), &size);
  }
  if (rc == NO_ERROR) {
    for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()); a; a = a->Next) {
      Json e{{"name", narrow(a->FriendlyName)}, {"up", a->OperStatus == IfOperStatusUp}, {"addresses", Json::array()}};
      if (a->PhysicalAddressLength == 6) {
        char mac[18];
        const unsigned char* m = a->PhysicalAddress;
        std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
        e["mac"] = mac;
      }
      for (auto* u = a->FirstUnicastAddress; u; u = u->Next) {
        char addr[NI_MAXHOST] = {0};
        if (getnameinfo(u->Address.lpSockaddr, u->Address.iSockaddrLength, addr, sizeof addr, nullptr, 0,
                        NI_NUMERICHOST) == 0)
          e["addresses"].push_back(addr);
      }
      interfaces.push_back(std::move(e));
    }
  }
  f["network_interfaces"] = interfaces;
  return f;
}

}  // namespace certwiz::report

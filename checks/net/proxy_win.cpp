// Windows' proxy settings: the current user's Internet Options (WinHTTP reads the same
// settings as Edge and the HiCOS component's browser), and the proxy a PAC script or
// WPAD auto-detection picks for the declaration site's URL.
#include <windows.h>
#include <winhttp.h>

#include <string>

#include "checks/core/wide_text.h"
#include "checks/profile/site_profile.h"
#include "checks/net/proxy.h"

namespace certwiz::net {
namespace {

// "host:port" or "https=host:port;http=..." (Internet Options' format) as one URL.
std::string proxy_url(const std::string& list) {
  std::string chosen = list;
  if (auto at = list.find("https="); at != std::string::npos) chosen = list.substr(at + 6);
  chosen = chosen.substr(0, chosen.find_first_of("; "));
  if (chosen.empty()) return {};
  return chosen.find("://") == std::string::npos ? "http://" + chosen : chosen;
}

// The proxy WinHTTP picks for `url` through a PAC script (or WPAD when `pac` is empty).
std::string proxy_from_pac(const std::string& url, const std::wstring& pac) {
  HINTERNET session = WinHttpOpen(L"CertWiz", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                                  WINHTTP_NO_PROXY_BYPASS, 0);
  if (!session) return {};
  WINHTTP_AUTOPROXY_OPTIONS options{};
  if (pac.empty()) {
    options.dwFlags = WINHTTP_AUTOPROXY_AUTO_DETECT;
    options.dwAutoDetectFlags = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
  } else {
    options.dwFlags = WINHTTP_AUTOPROXY_CONFIG_URL;
    options.lpszAutoConfigUrl = pac.c_str();
  }
  options.fAutoLogonIfChallenged = TRUE;
  WINHTTP_PROXY_INFO info{};
  std::string out;
  if (WinHttpGetProxyForUrl(session, wide(url).c_str(), &options, &info)) {
    if (info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY) out = proxy_url(narrow(info.lpszProxy));
    if (info.lpszProxy) GlobalFree(info.lpszProxy);
    if (info.lpszProxyBypass) GlobalFree(info.lpszProxyBypass);
  }
  WinHttpCloseHandle(session);
  return out;
}

}  // namespace

ProxyFacts desktop_proxies() {
  ProxyFacts f;
  WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie{};
  if (!WinHttpGetIEProxyConfigForCurrentUser(&ie)) {
    f.desktop_mode = "none";
    return f;
  }
  const std::string manual = narrow(ie.lpszProxy);
  const std::string pac = narrow(ie.lpszAutoConfigUrl);
  f.desktop_mode = !pac.empty() || ie.fAutoDetect ? "auto" : !manual.empty() ? "manual" : "none";
  if (!manual.empty()) f.settings.push_back({"winhttp:ie", proxy_url(manual)});
  if (!pac.empty()) f.settings.push_back({"winhttp:pac", pac});
  if (!pac.empty() || ie.fAutoDetect) {
    auto site = load_site_profile("default");
    if (site) {
      const std::string picked = proxy_from_pac(site->base_url + "/", pac.empty() ? std::wstring() : wide(pac));
      if (!picked.empty()) f.settings.push_back({pac.empty() ? "winhttp:wpad" : "winhttp:pac-result", picked});
    }
  }
  if (ie.lpszProxyBypass) f.no_proxy = narrow(ie.lpszProxyBypass);
  for (LPWSTR p : {ie.lpszProxy, ie.lpszProxyBypass, ie.lpszAutoConfigUrl})
    if (p) GlobalFree(p);
  return f;
}

}  // namespace certwiz::net

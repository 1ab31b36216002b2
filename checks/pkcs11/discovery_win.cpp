// Windows: HiCOS_Client.exe installs HiCOSPKCS11.dll in System32 (64-bit) and, for
// 32-bit programs, in SysWOW64; the local signing component lives in a
// HiPKILocalSignServer folder and runs as ChkSrv.exe / chtnode.exe. The facts below come
// from the documented APIs (GetFileVersionInfo, the Uninstall registry keys, Tool Help
// snapshots); none of them needs administrator rights.
#include <windows.h>
#include <tlhelp32.h>
#include <winver.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cwctype>
#include <string>
#include <vector>

#include "checks/core/wide_text.h"
#include "checks/pkcs11/discovery.h"

namespace certwiz::pkcs11 {
namespace {

std::wstring lower(std::wstring s) {
  std::transform(s.begin(), s.end(), s.begin(), [](wchar_t c) { return static_cast<wchar_t>(std::towlower(c)); });
  return s;
}

// System32 and, on 64-bit Windows, SysWOW64 (the 32-bit module: a 64-bit CertWiz cannot load it).
std::vector<std::pair<std::wstring, const char*>> module_paths() {
  std::vector<std::pair<std::wstring, const char*>> out;
  wchar_t dir[MAX_PATH] = {0};
  if (UINT n = GetSystemDirectoryW(dir, MAX_PATH); n > 0 && n < MAX_PATH)
    out.emplace_back(std::wstring(dir) + L"\\HiCOSPKCS11.dll", "64-bit");
  if (UINT n = GetSystemWow64DirectoryW(dir, MAX_PATH); n > 0 && n < MAX_PATH)
    out.emplace_back(std::wstring(dir) + L"\\HiCOSPKCS11.dll", "32-bit");
  if (out.empty()) {
    const char* windir = std::getenv("windir");
    const std::string base = windir && *windir ? windir : "C:\\Windows";
    out.emplace_back(std::wstring(base.begin(), base.end()) + L"\\System32\\HiCOSPKCS11.dll", "64-bit");
  }
  return out;
}

// "1.3.4.103" from the file's VS_FIXEDFILEINFO; empty without a version resource.
std::string file_version(const std::wstring& path) {
  DWORD ignored = 0;
  const DWORD size = GetFileVersionInfoSizeW(path.c_str(), &ignored);
  if (size == 0) return {};
  std::vector<unsigned char> data(size);
  if (!GetFileVersionInfoW(path.c_str(), 0, size, data.data())) return {};
  VS_FIXEDFILEINFO* info = nullptr;
  UINT len = 0;
  if (!VerQueryValueW(data.data(), L"\\", reinterpret_cast<void**>(&info), &len) || !info || len < sizeof *info) return {};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lu.%lu.%lu.%lu", static_cast<unsigned long>(HIWORD(info->dwFileVersionMS)),
                static_cast<unsigned long>(LOWORD(info->dwFileVersionMS)),
                static_cast<unsigned long>(HIWORD(info->dwFileVersionLS)),
                static_cast<unsigned long>(LOWORD(info->dwFileVersionLS)));
  return buf;
}

std::wstring registry_string(HKEY key, const wchar_t* name) {
  wchar_t buf[1024] = {0};
  DWORD size = sizeof buf - sizeof(wchar_t);
  DWORD type = 0;
  if (RegQueryValueExW(key, name, nullptr, &type, reinterpret_cast<BYTE*>(buf), &size) != ERROR_SUCCESS) return {};
  if (type != REG_SZ && type != REG_EXPAND_SZ) return {};
  return std::wstring(buf, wcsnlen(buf, size / sizeof(wchar_t)));
}

// Entries of "Apps & features" that belong to HiCOS or the HiPKI local signing component.
Json uninstall_entries() {
  Json out = Json::array();
  const wchar_t* kUninstall = L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
  const struct {
    HKEY root;
    REGSAM view;
    const char* name;
  } places[] = {{HKEY_LOCAL_MACHINE, KEY_WOW64_64KEY, "HKLM 64-bit"},
                {HKEY_LOCAL_MACHINE, KEY_WOW64_32KEY, "HKLM 32-bit"},
                {HKEY_CURRENT_USER, 0, "HKCU"}};
  for (const auto& place : places) {
    HKEY uninstall = nullptr;
    if (RegOpenKeyExW(place.root, kUninstall, 0, KEY_READ | place.view, &uninstall) != ERROR_SUCCESS) continue;
    for (DWORD i = 0;; ++i) {
      wchar_t sub[256] = {0};
      DWORD sub_len = 256;
      if (RegEnumKeyExW(uninstall, i, sub, &sub_len, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
      HKEY app = nullptr;
      if (RegOpenKeyExW(uninstall, sub, 0, KEY_READ | place.view, &app) != ERROR_SUCCESS) continue;
      const std::wstring name = registry_string(app, L"DisplayName");
      const std::wstring lname = lower(name);
      if (lname.find(L"hicos") != std::wstring::npos || lname.find(L"hipki") != std::wstring::npos ||
          lname.find(L"localsign") != std::wstring::npos) {
        out.push_back(Json{{"display_name", narrow(name)},
                           {"display_version", narrow(registry_string(app, L"DisplayVersion"))},
                           {"publisher", narrow(registry_string(app, L"Publisher"))},
                           {"install_location", narrow(registry_string(app, L"InstallLocation"))},
                           {"registry", place.name}});
      }
      RegCloseKey(app);
    }
    RegCloseKey(uninstall);
  }
  return out;
}

// The local signing component's folder under Program Files (either view).
Json local_sign_folders() {
  Json out = Json::array();
  for (const char* var : {"ProgramFiles(x86)", "ProgramW6432", "ProgramFiles"}) {
    const char* base = std::getenv(var);
    if (!base || !*base) continue;
    const std::string dir = std::string(base) + "\\HiPKILocalSignServer";
    const DWORD attributes = GetFileAttributesA(dir.c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
      bool seen = false;
      for (const auto& d : out) seen = seen || d == dir;
      if (!seen) out.push_back(dir);
    }
  }
  return out;
}

// ChkSrv.exe and chtnode.exe: the component's watchdog and its local server on port 61161.
Json local_sign_processes() {
  Json out = Json::object();
  out["ChkSrv.exe"] = Json::array();
  out["chtnode.exe"] = Json::array();
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) return out;
  PROCESSENTRY32W e{};
  e.dwSize = sizeof e;
  for (BOOL more = Process32FirstW(snap, &e); more; more = Process32NextW(snap, &e)) {
    const std::wstring name = lower(e.szExeFile);
    if (name == L"chksrv.exe") out["ChkSrv.exe"].push_back(e.th32ProcessID);
    if (name == L"chtnode.exe") out["chtnode.exe"].push_back(e.th32ProcessID);
  }
  CloseHandle(snap);
  return out;
}

}  // namespace

std::vector<SearchRoot> hicos_search_roots() {
  std::vector<SearchRoot> roots;
  for (const auto& [path, bits] : module_paths()) roots.push_back({narrow(path), 0});
  return roots;
}

bool looks_like_hicos_module(std::string_view file_name) {
  std::string n(file_name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return n.find("hicos") != std::string::npos && n.size() > 4 && n.compare(n.size() - 4, 4, ".dll") == 0;
}

std::vector<std::string> p11kit_config_dirs() { return {}; }

Json hicos_installation_facts() {
  Json modules = Json::array();
  for (const auto& [path, bits] : module_paths()) {
    const DWORD attributes = GetFileAttributesW(path.c_str());
    const bool present = attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
    Json m{{"path", narrow(path)}, {"bits", bits}, {"present", present}};
    if (present) m["file_version"] = file_version(path);
    modules.push_back(std::move(m));
  }
  return Json{{"modules", modules},
              {"uninstall_entries", uninstall_entries()},
              {"local_sign_folders", local_sign_folders()},
              {"local_sign_processes", local_sign_processes()}};
}

}  // namespace certwiz::pkcs11

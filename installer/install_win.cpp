// Windows: run the vendor's installer (HiCOS_Client.exe from HiCOS_Client.zip), only
// when its Authenticode signature verifies (WinVerifyTrust).
// UNTESTED: written against the documented Windows API to compile on Windows, never run
// in CI. The vendor installer owns its files and its own uninstaller, so CertWiz records
// only what it ran.
#include <windows.h>
// After windows.h:
#include <softpub.h>
#include <wincrypt.h>
#include <wintrust.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "checks/core/wide_text.h"
#include "installer/install.h"
#include "installer/titles.h"
#include "installer/process.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {
CheckResult finish(CheckResult r, const char* id) {
  r.id = id;
  r.title = kInstallTitle;
  return r;
}

struct AuthenticodeResult {
  LONG status = TRUST_E_NOSIGNATURE;
  std::string signer;  // the signing certificate's display name, when the signature verified
  bool revocation_unchecked = false;
};

// WinVerifyTrust with the Authenticode policy (WINTRUST_ACTION_GENERIC_VERIFY_V2), no UI,
// revocation of the whole chain. An offline machine cannot check revocation: that one
// error still counts as signed (and is reported), any other does not.
AuthenticodeResult verify_authenticode(const fs::path& file) {
  const std::wstring path = file.wstring();
  WINTRUST_FILE_INFO file_info{};
  file_info.cbStruct = sizeof file_info;
  file_info.pcwszFilePath = path.c_str();
  WINTRUST_DATA data{};
  data.cbStruct = sizeof data;
  data.dwUIChoice = WTD_UI_NONE;
  data.fdwRevocationChecks = WTD_REVOKE_WHOLECHAIN;
  data.dwUnionChoice = WTD_CHOICE_FILE;
  data.pFile = &file_info;
  data.dwStateAction = WTD_STATEACTION_VERIFY;
  GUID action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
  AuthenticodeResult r;
  r.status = WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
  if (r.status == CERT_E_REVOCATION_FAILURE) {
    r.revocation_unchecked = true;
    r.status = ERROR_SUCCESS;
  }
  if (r.status == ERROR_SUCCESS) {
    CRYPT_PROVIDER_DATA* provider = WTHelperProvDataFromStateData(data.hWVTStateData);
    CRYPT_PROVIDER_SGNR* signer = provider ? WTHelperGetProvSignerFromChain(provider, 0, FALSE, 0) : nullptr;
    CRYPT_PROVIDER_CERT* cert = signer ? WTHelperGetProvCertFromChain(signer, 0) : nullptr;
    if (cert && cert->pCert) {
      wchar_t name[256] = {};
      if (CertGetNameStringW(cert->pCert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, nullptr, name, 256) > 1)
        r.signer = narrow(name);
    }
  }
  data.dwStateAction = WTD_STATEACTION_CLOSE;
  WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
  return r;
}
}  // namespace

// Windows installs through the vendor's installer, which keeps no journal of CertWiz's.
Expected<Json> recover_interrupted_install(const InstallPaths&, const std::string&) { return Json::object(); }
bool install_interrupted(const InstallPaths&) { return false; }

CheckResult install_package_file(const Package& package, const DownloadedFile& file, const InstallOptions& o) {
  Json ev{{"package", to_json(package)}, {"download", file.evidence()}, {"tested", false}};
  std::error_code ec;
  const fs::path work = fs::path(o.paths.cache_dir) / "unpacked";
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  fs::path installer = file.path;
  if (package.format == PackageFormat::zip) {
    auto u = unpack_archive(file.path, work.string(), o.limits, o.download.cancel);
    if (!u) return finish(CheckResult::from_error(u.error(), {"解壓縮失敗", "Unpacking failed"}, ev), "installer.install");
    installer = work / (package.vendor_installer.empty() ? "HiCOS_Client.exe" : package.vendor_installer);
  }
  const AuthenticodeResult signature = verify_authenticode(installer);
  ev["authenticode"] = Json{{"status", static_cast<unsigned long>(signature.status)},
                            {"signer", signature.signer},
                            {"revocation_checked", !signature.revocation_unchecked}};
  if (signature.status != ERROR_SUCCESS) {
    fs::remove_all(work, ec);
    char code[16];
    std::snprintf(code, sizeof code, "0x%08lX", static_cast<unsigned long>(signature.status));
    return finish(CheckResult::failure("INSTALL-SIGNATURE-INVALID", {"安裝程式簽章無效", "The installer's signature is not valid"},
                                       ev, installer.string() + ": WinVerifyTrust " + code),
                  "installer.install");
  }
  auto r = run_process({installer.string()}, work.string(), std::chrono::seconds(1800));
  ev["vendor_installer"] = Json{{"path", installer.string()}, {"exit_code", r.exit_code}};
  fs::remove_all(work, ec);
  if (!r.started || r.exit_code != 0)
    return finish(CheckResult::failure("INSTALL-VENDOR-INSTALLER-FAILED", {"廠商安裝程式失敗", "The vendor installer failed"},
                                       ev, r.error),
                  "installer.install");
  const char* windir = std::getenv("windir");
  const std::string module = std::string(windir ? windir : "C:\\Windows") + "\\System32\\HiCOSPKCS11.dll";
  if (o.verify_module) {
    auto info = o.verify_module(module);
    if (!info)
      return finish(CheckResult::failure("INSTALL-MODULE-LOAD-FAILED", {"模組無法載入", "The module does not load"}, ev,
                                         info.error().detail),
                    "installer.install");
    ev["module_info"] = *info;
  }
  record_vendor_install(package, file, o.paths, module);
  return finish(CheckResult::pass({"已執行 HiCOS 安裝程式", "Ran the HiCOS installer"}, ev), "installer.install");
}

CheckResult uninstall_hicos(const InstallPaths& paths, const std::string&) {
  return vendor_owned_uninstall(paths, {"請用 Windows「新增或移除程式」移除 HiCOS", "Remove HiCOS through Windows' Apps settings"});
}

}  // namespace certwiz::installer

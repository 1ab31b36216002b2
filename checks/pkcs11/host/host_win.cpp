// Windows half of the module host: pipe handles on the command line, LoadLibraryEx with
// a search path that never includes the current folder, and crashes that end the
// process at once with the exception code (no Windows Error Reporting dialog, no dump).
#include <windows.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "checks/core/wide_text.h"
#include "checks/core/secret.h"
#include "checks/pkcs11/host/host_platform.h"

namespace certwiz::pkcs11::host {
namespace {

LONG WINAPI end_on_exception(EXCEPTION_POINTERS* info) {
  // The parent reads the exception code as the exit code (P11-MODULE-CRASHED).
  TerminateProcess(GetCurrentProcess(), info && info->ExceptionRecord ? info->ExceptionRecord->ExceptionCode : 1);
  return EXCEPTION_EXECUTE_HANDLER;
}

std::string system_message(DWORD code) {
  char buf[512] = {0};
  const DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0, buf,
                                 sizeof buf, nullptr);
  std::string text(buf, n);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return (text.empty() ? std::string("error") : text) + " (" + std::to_string(code) + ")";
}

bool absolute(const std::wstring& p) {
  return (p.size() > 2 && p[1] == L':' && (p[2] == L'\\' || p[2] == L'/')) || p.rfind(L"\\\\", 0) == 0;
}

}  // namespace

void prepare_process() {
  protect_process_from_dumps();
  SetUnhandledExceptionFilter(end_on_exception);
  // abort() in vendor code: the C runtime writes its message to stderr (NUL here) and
  // exits with code 3, which the parent reports as abort().
  // DLLs (the module's own dependencies too) come from System32, the module's folder
  // and the host's folder; never from the current folder or PATH (DLL planting).
  SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
  SetDllDirectoryW(L"");
}

std::optional<wire::Channel> channel_from_arguments(int argc, char** argv) {
  long long in = -1, out = -1;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--pipe-in") == 0) in = std::atoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--pipe-out") == 0) out = std::atoll(argv[i + 1]);
  }
  if (in <= 0 || out <= 0) return std::nullopt;
  return wire::Channel(static_cast<std::intptr_t>(in), static_cast<std::intptr_t>(out));
}

const char* usage() { return "--pipe-in HANDLE --pipe-out HANDLE"; }

void* load_library(const std::string& path, std::string& error) {
  const std::wstring w = wide(path);
  // A full path: the module and the DLLs beside it, then System32. A bare name
  // ("HiCOSPKCS11.dll"): System32 only, where the vendor installs it.
  const DWORD search = absolute(w) ? LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32
                                   : LOAD_LIBRARY_SEARCH_SYSTEM32;
  HMODULE lib = LoadLibraryExW(w.c_str(), nullptr, search);
  if (!lib) error = path + ": " + system_message(GetLastError());
  return reinterpret_cast<void*>(lib);
}

void* library_symbol(void* library, const char* name) {
  return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(library), name));
}

long current_process_id() { return static_cast<long>(GetCurrentProcessId()); }

}  // namespace certwiz::pkcs11::host

// Windows process runner. UNTESTED: written to compile with MSVC/MinGW, never run in CI.
#include <windows.h>

#include <string>

#include "installer/process.h"

namespace certwiz::installer {

namespace {
std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring w(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
  return w;
}
std::wstring quote(const std::wstring& a) {
  std::wstring q = L"\"";
  for (wchar_t c : a) {
    if (c == L'"') q += L'\\';
    q += c;
  }
  return q + L"\"";
}
}  // namespace

std::string find_program(const std::string& program) {
  char buf[MAX_PATH];
  const DWORD n = SearchPathA(nullptr, program.c_str(), ".exe", MAX_PATH, buf, nullptr);
  return n > 0 && n < MAX_PATH ? std::string(buf, n) : std::string();
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& cwd, std::chrono::seconds timeout) {
  ProcessResult r;
  if (argv.empty()) {
    r.error = "empty command";
    return r;
  }
  std::wstring cmd;
  for (const auto& a : argv) {
    if (!cmd.empty()) cmd += L' ';
    cmd += quote(widen(a));
  }
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  const std::wstring wcwd = widen(cwd);
  if (!CreateProcessW(nullptr, cmd.data(), nullptr, nullptr, FALSE, CREATE_NO_WINDOW, nullptr,
                      wcwd.empty() ? nullptr : wcwd.c_str(), &si, &pi)) {
    r.error = argv[0] + ": CreateProcess error " + std::to_string(GetLastError());
    return r;
  }
  r.started = true;
  const DWORD wait = WaitForSingleObject(pi.hProcess, static_cast<DWORD>(timeout.count() * 1000));
  if (wait == WAIT_TIMEOUT) {
    r.timed_out = true;
    TerminateProcess(pi.hProcess, 1);
    WaitForSingleObject(pi.hProcess, INFINITE);
  }
  DWORD code = 0;
  if (GetExitCodeProcess(pi.hProcess, &code)) r.exit_code = static_cast<int>(code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  return r;
}

}  // namespace certwiz::installer

// Windows process runner. UNTESTED: written to compile with MSVC/MinGW, never run in CI.
#include <windows.h>

#include <filesystem>
#include <string>

#include "installer/process_platform.h"

namespace certwiz::installer::platform {

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

char path_list_separator() { return ';'; }
std::string_view directory_separators() { return "/\\"; }
std::string default_program_path() { return {}; }
// CreateProcess needs the full file name: "modutil" is found as modutil.exe.
std::vector<std::string> program_file_names(const std::string& program) { return {program, program + ".exe"}; }
bool is_runnable(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}
void end_process_at_once() { TerminateProcess(GetCurrentProcess(), 9); }

void spawn_and_wait(const std::string& program, const std::vector<std::string>& argv, const std::string& cwd,
                    std::chrono::seconds timeout, ProcessResult& r) {
  const std::wstring application = widen(program);
  std::wstring cmd;
  for (const auto& a : argv) {
    if (!cmd.empty()) cmd += L' ';
    cmd += quote(widen(a));
  }
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  const std::wstring wcwd = widen(cwd);
  if (!CreateProcessW(application.c_str(), cmd.data(), nullptr, nullptr, FALSE, CREATE_NO_WINDOW, nullptr,
                      wcwd.empty() ? nullptr : wcwd.c_str(), &si, &pi)) {
    r.error = argv[0] + ": CreateProcess error " + std::to_string(GetLastError());
    return;
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
}

}  // namespace certwiz::installer::platform

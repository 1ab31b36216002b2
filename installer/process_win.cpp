// Windows process runner. UNTESTED: written to compile with MSVC/MinGW, never run in CI.
#include <windows.h>

#include <cstdlib>
#include <filesystem>
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

void crash_if_asked(std::string_view point) {
  static const std::string asked = [] {
    const char* v = std::getenv("CERTWIZ_TEST_CRASH_AT");
    return std::string(v ? v : "");
  }();
  if (!asked.empty() && asked == point) TerminateProcess(GetCurrentProcess(), 9);
}

std::string find_program(const std::string& program) {
  namespace fs = std::filesystem;
  if (program.empty()) return {};
  std::error_code ec;
  auto runnable = [&ec](const fs::path& p) { return fs::is_regular_file(p, ec); };
  if (program.find_first_of("/\\") != std::string::npos) return runnable(program) ? program : std::string();
  // PATH by hand: SearchPath and CreateProcess look in the current folder first, and an
  // empty or relative PATH element means the current folder too; both are skipped.
  const char* path = std::getenv("PATH");
  const std::string p = path ? path : "";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(';', start);
    if (end == std::string::npos) end = p.size();
    const fs::path dir = p.substr(start, end - start);
    start = end + 1;
    if (dir.empty() || !dir.is_absolute()) continue;
    for (const char* suffix : {"", ".exe"}) {
      const fs::path candidate = dir / (program + suffix);
      if (runnable(candidate)) return candidate.string();
    }
  }
  return {};
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& cwd, std::chrono::seconds timeout) {
  ProcessResult r;
  if (argv.empty()) {
    r.error = "empty command";
    return r;
  }
  const std::string program = find_program(argv[0]);
  if (program.empty()) {
    r.error = argv[0] + ": not found on PATH";
    return r;
  }
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

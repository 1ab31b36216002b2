// Windows half of the module host's lifecycle: CreateProcess with two inherited
// anonymous pipes (only those handles are inherited), a Job object that kills the host
// when CertWiz ends or gives up on it, and crash detection by exit code.
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "checks/core/wide_text.h"
#include "checks/pkcs11/host_process.h"

namespace certwiz::pkcs11 {
namespace {

// The exit code the C runtime's abort() leaves (Microsoft documents 3).
constexpr DWORD kAbortExitCode = 3;
// What the host is ended with when we kill it (hung, or done with it).
constexpr DWORD kKilledExitCode = 0xC000013A;  // STATUS_CONTROL_C_EXIT
constexpr int kSigAbrt = 22;                    // SIGABRT in the Windows C runtime

std::string last_error(const char* what) {
  return std::string(what) + " failed (Windows error " + std::to_string(GetLastError()) + ")";
}

std::wstring own_executable() {
  std::wstring buf(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = GetModuleFileNameW(nullptr, buf.data(), static_cast<DWORD>(buf.size()));
    if (n == 0) return {};
    if (n < buf.size()) {
      buf.resize(n);
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

HANDLE handle_of(std::intptr_t h) { return reinterpret_cast<HANDLE>(h); }

void close_handle(std::intptr_t& h) {
  if (h != 0 && h != -1) CloseHandle(handle_of(h));
  h = 0;
}

void close_channel(wire::Channel& c) {
  if (c.in != -1) CloseHandle(handle_of(c.in));
  if (c.out != -1) CloseHandle(handle_of(c.out));
  c = {};
}

HostExit decode(DWORD code) {
  HostExit e;
  e.ended = true;
  e.code = static_cast<int>(code);
  // An unhandled exception (NTSTATUS with severity "error") ends the process with its code.
  if ((code & 0xF0000000u) == 0xC0000000u && code != kKilledExitCode) e.signal = static_cast<int>(code);
  else if (code == kAbortExitCode) e.signal = kSigAbrt;
  return e;
}

// Inheritable pipe: `child` end inheritable, `ours` not.
bool make_pipe(HANDLE& read_end, HANDLE& write_end) {
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  return CreatePipe(&read_end, &write_end, &sa, 1 << 16) != 0;
}

}  // namespace

std::string find_host_executable() {
  if (const char* env = std::getenv("CERTWIZ_P11HOST"); env && *env) return env;
  const std::wstring self = own_executable();
  if (self.empty()) return "certwiz-p11host.exe";
  return narrow((std::filesystem::path(self).parent_path() / L"certwiz-p11host.exe").wstring());
}

Expected<HostProcess> spawn_host(const std::string& executable) {
  const std::wstring exe = wide(executable);
  const DWORD attributes = GetFileAttributesW(exe.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES || (attributes & FILE_ATTRIBUTE_DIRECTORY))
    return Error{"P11-HOST-MISSING", executable + ": not found"};

  HANDLE request_read = nullptr, request_write = nullptr, answer_read = nullptr, answer_write = nullptr;
  if (!make_pipe(request_read, request_write)) return Error{"P11-HOST-FAILED", last_error("CreatePipe")};
  if (!make_pipe(answer_read, answer_write)) {
    CloseHandle(request_read);
    CloseHandle(request_write);
    return Error{"P11-HOST-FAILED", last_error("CreatePipe")};
  }
  // Our ends stay here.
  SetHandleInformation(request_write, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation(answer_read, HANDLE_FLAG_INHERIT, 0);
  SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
  // Vendor code may print; it must never mix into CertWiz's output: std handles are NUL.
  HANDLE nul = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
                           OPEN_EXISTING, 0, nullptr);
  auto close_all = [&] {
    for (HANDLE h : {request_read, request_write, answer_read, answer_write, nul})
      if (h && h != INVALID_HANDLE_VALUE) CloseHandle(h);
  };

  // Only the two pipe ends and NUL are inherited, whatever else CertWiz has open.
  HANDLE inherited[] = {request_read, answer_write, nul};
  SIZE_T list_size = 0;
  InitializeProcThreadAttributeList(nullptr, 1, 0, &list_size);
  std::vector<unsigned char> list_buf(list_size);
  auto* list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(list_buf.data());
  const bool have_list = InitializeProcThreadAttributeList(list, 1, 0, &list_size) &&
                         UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                                   sizeof inherited, nullptr, nullptr);

  STARTUPINFOEXW si{};
  si.StartupInfo.cb = sizeof si;
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = nul;
  si.StartupInfo.hStdOutput = nul;
  si.StartupInfo.hStdError = nul;
  if (have_list) si.lpAttributeList = list;

  // Handles and the executable only: the PIN travels on the pipe, never here.
  std::wstring command = L"\"" + exe + L"\" --pipe-in " +
                         std::to_wstring(reinterpret_cast<std::intptr_t>(request_read)) + L" --pipe-out " +
                         std::to_wstring(reinterpret_cast<std::intptr_t>(answer_write));
  PROCESS_INFORMATION pi{};
  const DWORD flags = CREATE_SUSPENDED | CREATE_NO_WINDOW | (have_list ? EXTENDED_STARTUPINFO_PRESENT : 0);
  const BOOL started = CreateProcessW(exe.c_str(), command.data(), nullptr, nullptr, TRUE, flags, nullptr, nullptr,
                                      &si.StartupInfo, &pi);
  if (have_list) DeleteProcThreadAttributeList(list);
  if (!started) {
    const std::string why = last_error("CreateProcess");
    close_all();
    return Error{"P11-HOST-FAILED", executable + ": " + why};
  }

  // The Job object: closing its last handle (CertWiz exits or crashes) kills the host;
  // an unhandled exception in it ends it without a dialog.
  HANDLE job = CreateJobObjectW(nullptr, nullptr);
  if (job) {
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits) ||
        !AssignProcessToJobObject(job, pi.hProcess)) {
      CloseHandle(job);
      job = nullptr;
    }
  }
  if (!job) {
    const std::string why = last_error("Job object");
    TerminateProcess(pi.hProcess, kKilledExitCode);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    close_all();
    return Error{"P11-HOST-FAILED", why};
  }
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  // The child's ends live on in the child only: a dead host then reads as a broken pipe.
  CloseHandle(request_read);
  CloseHandle(answer_write);
  CloseHandle(nul);

  HostProcess p;
  p.channel = wire::Channel(reinterpret_cast<std::intptr_t>(answer_read), reinterpret_cast<std::intptr_t>(request_write));
  p.pid = static_cast<long>(pi.dwProcessId);
  p.process = reinterpret_cast<std::intptr_t>(pi.hProcess);
  p.job = reinterpret_cast<std::intptr_t>(job);
  return p;
}

HostExit wait_host(HostProcess& p, std::chrono::milliseconds grace) {
  if (p.pid <= 0 || !p.process) return HostExit{true, 0, 0};
  const DWORD r = WaitForSingleObject(handle_of(p.process), static_cast<DWORD>(grace.count()));
  if (r == WAIT_TIMEOUT) return HostExit{};
  DWORD code = 0;
  GetExitCodeProcess(handle_of(p.process), &code);
  p.pid = -1;
  close_handle(p.process);
  close_handle(p.job);
  close_channel(p.channel);
  return r == WAIT_OBJECT_0 ? decode(code) : HostExit{true, 0, 0};
}

HostExit kill_host(HostProcess& p) {
  if (p.pid > 0) {
    // The whole Job: the host and anything vendor code started from it.
    if (p.job) TerminateJobObject(handle_of(p.job), kKilledExitCode);
    else if (p.process) TerminateProcess(handle_of(p.process), kKilledExitCode);
  }
  HostExit e = wait_host(p, std::chrono::seconds(5));
  close_channel(p.channel);
  return e;
}

std::string signal_name(int signal) {
  switch (static_cast<DWORD>(signal)) {
    case kSigAbrt: return "abort() (exit code 3)";
    case EXCEPTION_ACCESS_VIOLATION: return "EXCEPTION_ACCESS_VIOLATION (0xC0000005)";
    case EXCEPTION_STACK_OVERFLOW: return "EXCEPTION_STACK_OVERFLOW (0xC00000FD)";
    case EXCEPTION_ILLEGAL_INSTRUCTION: return "EXCEPTION_ILLEGAL_INSTRUCTION (0xC000001D)";
    case EXCEPTION_INT_DIVIDE_BY_ZERO: return "EXCEPTION_INT_DIVIDE_BY_ZERO (0xC0000094)";
    case 0xC0000409u: return "STATUS_STACK_BUFFER_OVERRUN / fast fail (0xC0000409)";
    default: break;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "exception 0x%08lX", static_cast<unsigned long>(static_cast<DWORD>(signal)));
  return buf;
}

}  // namespace certwiz::pkcs11

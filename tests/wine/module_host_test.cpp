// The module host on Windows, run under Wine: certwiz-p11host.exe started with
// CreateProcess over pipes, in a Job object, loading a MinGW-built fault module. The
// POSIX suite's tests/unit/pkcs11/module_host_test.cpp, plus a card's PIN counter
// through PinGuard and a whole session. GoogleTest has no MinGW build here, so this is
// a small driver: `module_host_test <name>` runs one test (ctest registers each), and
// exits 1 with the failed expectations printed when it fails.
#include <windows.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "checks/pkcs11/module_host.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/probe.h"
#include "checks/pkcs11/session.h"

namespace certwiz::pkcs11 {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int g_failures = 0;

#define EXPECT(cond, ...)                                                                 \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      ++g_failures;                                                                       \
      std::fprintf(stderr, "%s:%d: expected %s; %s\n", __FILE__, __LINE__, #cond,        \
                   std::string(__VA_ARGS__).c_str());                                     \
    }                                                                                     \
  } while (0)
#define REQUIRE(cond, ...)    \
  do {                        \
    EXPECT(cond, __VA_ARGS__); \
    if (!(cond)) return;      \
  } while (0)

std::string contains_msg(const std::string& text) { return "got: " + text; }
bool has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string bin_dir() {
  char buf[MAX_PATH] = {0};
  GetModuleFileNameA(nullptr, buf, sizeof buf);
  std::string p(buf);
  return p.substr(0, p.find_last_of("\\/") + 1);
}
std::string fault_module() { return bin_dir() + "certwiz-test-fault-p11.dll"; }

void mode(const char* m) { SetEnvironmentVariableA("FAULT_MODULE_MODE", m); }
void tries(const char* t) { SetEnvironmentVariableA("FAULT_MODULE_TRIES", t); }

bool process_gone(long pid) {
  HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
  if (!h) return true;
  const bool gone = WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
  CloseHandle(h);
  return gone;
}

bool called(const ModuleHost& host, size_t since, const char* fn) {
  for (const auto& t : host.timings(since))
    if (t.fn == fn) return true;
  return false;
}

void probe_reads_module_info() {
  mode("ok");
  auto info = probe_module_info(fault_module(), 10s);
  REQUIRE(static_cast<bool>(info), info ? "" : info.error().code + " " + info.error().detail);
  EXPECT(info->manufacturer == "CertWiz tests", info->manufacturer);
  EXPECT(info->description == "fault module", info->description);
  EXPECT(info->library_version == "9.1", info->library_version);
  EXPECT(info->cryptoki_version == "2.40", info->cryptoki_version);
  EXPECT(info->slot_count == 1u, std::to_string(info->slot_count));
  EXPECT(info->token_count == 1u, std::to_string(info->token_count));
}

void crash_is_a_result_with_the_exception() {
  mode("crash");
  const auto t0 = Clock::now();
  auto info = probe_module_info(fault_module(), 10s);
  REQUIRE(!static_cast<bool>(info), "the probe succeeded");
  EXPECT(info.error().code == "P11-MODULE-CRASHED", info.error().code);
  EXPECT(has(info.error().detail, "EXCEPTION_ACCESS_VIOLATION"), contains_msg(info.error().detail));
  EXPECT(has(info.error().detail, "C_GetInfo"), contains_msg(info.error().detail));
  EXPECT(Clock::now() - t0 < 8s, "took too long");
}

void abort_is_reported() {
  mode("abort");
  auto info = probe_module_info(fault_module(), 10s);
  REQUIRE(!static_cast<bool>(info), "the probe succeeded");
  EXPECT(info.error().code == "P11-MODULE-CRASHED", info.error().code);
  EXPECT(has(info.error().detail, "abort()"), contains_msg(info.error().detail));
}

void exit_is_reported_with_its_code() {
  mode("exit");
  auto info = probe_module_info(fault_module(), 10s);
  REQUIRE(!static_cast<bool>(info), "the probe succeeded");
  EXPECT(info.error().code == "P11-MODULE-CRASHED", info.error().code);
  EXPECT(has(info.error().detail, "code 7"), contains_msg(info.error().detail));
}

void hang_is_stopped_after_the_time_limit() {
  mode("hang");
  auto host = ModuleHost::start(fault_module(), 1500ms);
  REQUIRE(static_cast<bool>(host), host ? "" : host.error().detail);
  const long pid = (*host)->pid();
  REQUIRE(pid > 0, "no pid");
  const auto t0 = Clock::now();
  auto info = (*host)->call(Json{{"op", "info"}});
  const auto took = Clock::now() - t0;
  REQUIRE(!static_cast<bool>(info), "the hung call answered");
  EXPECT(info.error().code == "P11-MODULE-HUNG", info.error().code);
  EXPECT(took >= 1500ms, "returned before the limit");
  EXPECT(took < 6s, "returned long after the limit");
  EXPECT(!(*host)->alive(), "host still marked alive");
  EXPECT(process_gone(pid), "the hung host must be gone");
  const auto t1 = Clock::now();
  auto again = (*host)->call(Json{{"op", "slots"}});
  REQUIRE(!static_cast<bool>(again), "a call after the hang answered");
  EXPECT(again.error().code == "P11-MODULE-HUNG", again.error().code);
  EXPECT(Clock::now() - t1 < 100ms, "the second call waited again");
}

void card_removed_is_reported() {
  mode("removed");
  auto host = ModuleHost::start(fault_module(), 10s);
  REQUIRE(static_cast<bool>(host), host ? "" : host.error().detail);
  auto slots = (*host)->call(Json{{"op", "slots"}});
  REQUIRE(static_cast<bool>(slots), slots ? "" : slots.error().detail);
  EXPECT((*slots)["slots"][0].value("token_present", true) == false, slots->dump());
  auto token = (*host)->call(Json{{"op", "token_info"}, {"slot", 1}});
  REQUIRE(!static_cast<bool>(token), "token info of a removed card");
  EXPECT(token.error().code == "P11-CARD-REMOVED", token.error().code);
  EXPECT(has(token.error().detail, "CKR_DEVICE_REMOVED"), contains_msg(token.error().detail));
  EXPECT((*host)->alive(), "a removed card must not end the host");
}

// Three tries; each wrong PIN costs one and the flags say so; at the final try no
// C_Login is made unless the user confirmed it; a right PIN restores the counter.
void pin_counter_is_read_never_spent() {
  mode("ok");
  tries("3");
  auto host = ModuleHost::start(fault_module(), 10s);
  REQUIRE(static_cast<bool>(host), host ? "" : host.error().detail);
  auto session = Session::open(*host, 1);
  REQUIRE(static_cast<bool>(session), session ? "" : session.error().detail);
  PinGuard guard(**session, false);

  PinAttempt first = guard.login(Secret("654321"));
  EXPECT(!first.logged_in && first.login_sent, "first wrong PIN");
  EXPECT(first.error && first.error->code == "P11-PIN-WRONG", first.error ? first.error->code : "no error");
  EXPECT(first.tries_left == 2, std::to_string(first.tries_left.value_or(-1)));

  PinAttempt second = guard.login(Secret("654321"));
  EXPECT(second.error && second.error->code == "P11-PIN-WRONG", second.error ? second.error->code : "no error");
  EXPECT(second.tries_left == 1, std::to_string(second.tries_left.value_or(-1)));

  const size_t before = (*host)->timing_count();
  PinAttempt refused = guard.login(Secret("123456"));
  EXPECT(!refused.login_sent, "C_Login sent at the final try without confirmation");
  EXPECT(refused.error && refused.error->code == "P11-PIN-FINAL-TRY-REFUSED",
         refused.error ? refused.error->code : "no error");
  EXPECT(!called(**host, before, "C_Login"), "the host called C_Login");

  PinAttempt malformed = PinGuard(**session, true).login(Secret("12"));
  EXPECT(!malformed.login_sent, "a malformed PIN reached the card");
  EXPECT(malformed.error && malformed.error->code == "P11-PIN-FORMAT", malformed.error ? malformed.error->code : "none");

  PinAttempt confirmed = PinGuard(**session, true).login(Secret("123456"));
  EXPECT(confirmed.logged_in, confirmed.error ? confirmed.error->code + " " + confirmed.error->detail : "");
  EXPECT(confirmed.tries_left == 3, std::to_string(confirmed.tries_left.value_or(-1)));
  tries("");
}

void locked_card_gets_no_login() {
  mode("ok");
  tries("0");
  auto host = ModuleHost::start(fault_module(), 10s);
  REQUIRE(static_cast<bool>(host), host ? "" : host.error().detail);
  auto session = Session::open(*host, 1);
  REQUIRE(static_cast<bool>(session), session ? "" : session.error().detail);
  const size_t before = (*host)->timing_count();
  PinAttempt a = PinGuard(**session, true).login(Secret("123456"));
  EXPECT(!a.login_sent && !a.logged_in, "logged in on a locked card");
  EXPECT(a.error && a.error->code == "P11-PIN-LOCKED", a.error ? a.error->code : "no error");
  EXPECT(!called(**host, before, "C_Login"), "the host called C_Login");
  tries("");
}

void normal_session() {
  mode("ok");
  auto host = ModuleHost::start(fault_module(), 10s);
  REQUIRE(static_cast<bool>(host), host ? "" : host.error().detail);
  auto hello = (*host)->call(Json{{"op", "hello"}});
  REQUIRE(static_cast<bool>(hello), "hello");
  EXPECT(hello->value("pid", 0L) == (*host)->pid(), hello->dump());
  auto slots = (*host)->call(Json{{"op", "slots"}});
  REQUIRE(static_cast<bool>(slots), slots ? "" : slots.error().detail);
  const Json& slot = (*slots)["slots"][0];
  EXPECT(slot.value("description", "") == "Wine Virtual Reader 0", slot.dump());
  // The packed CK_TOKEN_INFO is read at the right offsets: label, serial and flags intact.
  EXPECT(slot["token"].value("label", "") == "HiCOS PKI Smart Card", slot.dump());
  EXPECT(slot["token"].value("serial", "") == "WINE0000000001", slot.dump());
  EXPECT(slot["token"]["flags"].value("login_required", false), slot.dump());
  EXPECT(slot["token"].value("max_pin", 0) == 8, slot.dump());
  auto session = Session::open(*host, 1);
  REQUIRE(static_cast<bool>(session), session ? "" : session.error().detail);
  PinAttempt a = PinGuard(**session, false).login(Secret("123456"));
  EXPECT(a.logged_in, a.error ? a.error->code + " " + a.error->detail : "");
  auto objects = (*session)->objects();
  EXPECT(static_cast<bool>(objects), objects ? "" : objects.error().detail);
  (*session)->close();
  EXPECT(called(**host, 0, "C_Logout"), "closing a logged-in session logs out");
  const long pid = (*host)->pid();
  (*host)->shutdown();
  EXPECT(process_gone(pid), "the host must exit after finalize");
  EXPECT((*host)->roundtrip_ms() > 0, "no timing");
}

void missing_module_is_a_load_failure() {
  auto host = ModuleHost::start("C:\\nonexistent\\HiCOSPKCS11.dll", 10s);
  REQUIRE(!static_cast<bool>(host), "started");
  EXPECT(host.error().code == "P11-MODULE-LOAD-FAILED", host.error().code);
}

void bare_name_is_looked_up_in_system32_only() {
  // kernel32.dll lives in System32 and exports no C_GetFunctionList; a name found
  // nowhere else must not come from the current folder either.
  auto sys = ModuleHost::start("kernel32.dll", 10s);
  REQUIRE(!static_cast<bool>(sys), "started");
  EXPECT(sys.error().code == "P11-MODULE-LOAD-FAILED", sys.error().code);
  EXPECT(has(sys.error().detail, "C_GetFunctionList"), contains_msg(sys.error().detail));
  SetCurrentDirectoryA(bin_dir().c_str());
  auto planted = ModuleHost::start("certwiz-test-fault-p11.dll", 10s);
  REQUIRE(!static_cast<bool>(planted), "loaded a DLL from the current folder by bare name");
  EXPECT(planted.error().code == "P11-MODULE-LOAD-FAILED", planted.error().code);
}

void missing_host_executable_is_reported() {
  SetEnvironmentVariableA("CERTWIZ_P11HOST", "C:\\nonexistent\\certwiz-p11host.exe");
  _putenv_s("CERTWIZ_P11HOST", "C:\\nonexistent\\certwiz-p11host.exe");
  auto host = ModuleHost::start(fault_module(), 10s);
  _putenv_s("CERTWIZ_P11HOST", "");
  SetEnvironmentVariableA("CERTWIZ_P11HOST", nullptr);
  REQUIRE(!static_cast<bool>(host), "started");
  EXPECT(host.error().code == "P11-HOST-MISSING", host.error().code);
}

void unknown_request_is_refused_not_fatal() {
  mode("ok");
  auto host = ModuleHost::start(fault_module(), 10s);
  REQUIRE(static_cast<bool>(host), host ? "" : host.error().detail);
  auto r = (*host)->call(Json{{"op", "format_the_card"}});
  REQUIRE(!static_cast<bool>(r), "answered");
  EXPECT(r.error().code == "P11-HOST-FAILED", r.error().code);
  auto bad = (*host)->call(Json{{"op", "token_info"}, {"slot", "not a number"}});
  EXPECT(!static_cast<bool>(bad), "answered a malformed request");
  EXPECT((*host)->alive(), "host died");
  EXPECT(static_cast<bool>((*host)->call(Json{{"op", "info"}})), "info after refusals");
}

const std::map<std::string, std::function<void()>> kTests = {
    {"ProbeReadsModuleInfo", probe_reads_module_info},
    {"CrashIsAResultWithTheException", crash_is_a_result_with_the_exception},
    {"AbortIsReported", abort_is_reported},
    {"ExitIsReportedWithItsCode", exit_is_reported_with_its_code},
    {"HangIsStoppedAfterTheTimeLimit", hang_is_stopped_after_the_time_limit},
    {"CardRemovedIsReported", card_removed_is_reported},
    {"PinCounterIsReadNeverSpent", pin_counter_is_read_never_spent},
    {"LockedCardGetsNoLogin", locked_card_gets_no_login},
    {"NormalSession", normal_session},
    {"MissingModuleIsALoadFailure", missing_module_is_a_load_failure},
    {"BareNameIsLookedUpInSystem32Only", bare_name_is_looked_up_in_system32_only},
    {"MissingHostExecutableIsReported", missing_host_executable_is_reported},
    {"UnknownRequestIsRefusedNotFatal", unknown_request_is_refused_not_fatal},
};

}  // namespace
}  // namespace certwiz::pkcs11

int main(int argc, char** argv) {
  using certwiz::pkcs11::kTests;
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (const auto& [name, fn] : kTests) std::printf("%s\n", name.c_str());
    return 0;
  }
  if (argc != 2 || !kTests.count(argv[1])) {
    std::fprintf(stderr, "usage: module_host_test --list | TEST\n");
    return 2;
  }
  kTests.at(argv[1])();
  std::printf("%s: %s\n", argv[1], certwiz::pkcs11::g_failures ? "FAILED" : "passed");
  return certwiz::pkcs11::g_failures ? 1 : 0;
}

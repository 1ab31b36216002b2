#include "checks/pkcs11/module_host.h"

#include "checks/pkcs11/cryptoki.h"

#include <cstdio>

#include "checks/pkcs11/names.h"
#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11 {
namespace {

using Clock = std::chrono::steady_clock;

std::string hex(unsigned long v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%lx", v);
  return buf;
}

// A request the host refused, by its reason.
Error refusal(const Json& answer) {
  const std::string why = answer.value("error", "");
  const std::string detail = answer.value("detail", "");
  if (why == "dlopen" || why == "no-function-list") return Error{"P11-MODULE-LOAD-FAILED", detail};
  if (why == "no-key") return Error{"P11-KEY-MISSING", detail};
  return Error{"P11-HOST-FAILED", why + (detail.empty() ? "" : ": " + detail)};
}

}  // namespace

std::string functions_of(const std::string& op) {
  if (op == "load") return "C_GetFunctionList/C_Initialize";
  if (op == "info") return "C_GetInfo";
  if (op == "slots") return "C_GetSlotList/C_GetSlotInfo/C_GetTokenInfo";
  if (op == "token_info") return "C_GetTokenInfo";
  if (op == "mechanisms") return "C_GetMechanismList/C_GetMechanismInfo";
  if (op == "open_session") return "C_OpenSession";
  if (op == "close_session") return "C_CloseSession";
  if (op == "login") return "C_Login";
  if (op == "logout") return "C_Logout";
  if (op == "objects") return "C_FindObjects/C_GetAttributeValue";
  if (op == "sign") return "C_SignInit/C_Sign";
  if (op == "decrypt") return "C_DecryptInit/C_Decrypt";
  if (op == "finalize") return "C_Finalize";
  return op;
}

Error error_for_rv(const std::string& fn, unsigned long rv) {
  const std::string detail = fn + ": " + rv_name(rv) + " (" + hex(rv) + ")";
  switch (rv) {
    case CKR_PIN_INCORRECT: return {"P11-PIN-WRONG", detail};
    case CKR_PIN_LOCKED: return {"P11-PIN-LOCKED", detail};
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID: return {"P11-PIN-FORMAT", detail};
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_CLOSED: return {"P11-CARD-REMOVED", detail};
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID: return {"P11-MECHANISM-NOT-OFFERED", detail};
    default: break;
  }
  if (fn == "C_Initialize") return {"P11-MODULE-INIT-FAILED", detail};
  return {"P11-CALL-FAILED", detail};
}

ModuleHost::ModuleHost(HostProcess p, std::string module_path, std::chrono::milliseconds timeout)
    : proc_(p), module_path_(std::move(module_path)), timeout_(timeout) {}

Expected<std::shared_ptr<ModuleHost>> ModuleHost::start(const std::string& module_path,
                                                        std::chrono::milliseconds call_timeout) {
  auto proc = spawn_host(find_host_executable());
  if (!proc) return proc.error();
  std::shared_ptr<ModuleHost> host(new ModuleHost(*proc, module_path, call_timeout));
  auto hello = host->call(Json{{"op", "hello"}});
  if (!hello) return hello.error();
  auto loaded = host->call(Json{{"op", "load"}, {"path", module_path}});
  if (!loaded) return loaded.error();
  return host;
}

ModuleHost::~ModuleHost() { shutdown(); }

void ModuleHost::shutdown() {
  {
    std::lock_guard g(m_);
    if (proc_.pid <= 0) return;
  }
  if (alive()) (void)call(Json{{"op", "finalize"}});
  std::lock_guard g(m_);
  if (proc_.pid > 0 && !wait_host(proc_, std::chrono::seconds(2)).ended) kill_host(proc_);
  if (!gone_) gone_ = Error{"P11-HOST-FAILED", "module host already shut down"};
}

bool ModuleHost::alive() const {
  std::lock_guard g(m_);
  return !gone_ && proc_.pid > 0;
}

long ModuleHost::pid() const {
  std::lock_guard g(m_);
  return proc_.pid;
}

std::vector<CallTiming> ModuleHost::timings(size_t since) const {
  std::lock_guard g(m_);
  if (since >= timings_.size()) return {};
  return {timings_.begin() + static_cast<std::ptrdiff_t>(since), timings_.end()};
}

size_t ModuleHost::timing_count() const {
  std::lock_guard g(m_);
  return timings_.size();
}

double ModuleHost::roundtrip_ms() const {
  std::lock_guard g(m_);
  return roundtrip_ms_;
}

// Called with m_ held, after the host stopped answering.
Error ModuleHost::lost(const std::string& op, bool timed_out) {
  const std::string what = functions_of(op);
  if (timed_out) {
    kill_host(proc_);
    gone_ = Error{"P11-MODULE-HUNG", "no answer from " + what + " within " + std::to_string(timeout_.count()) +
                                         " ms; the module host was stopped"};
    return *gone_;
  }
  const HostExit e = wait_host(proc_, std::chrono::seconds(2));
  if (!e.ended) kill_host(proc_);
  if (e.ended && e.signal) {
    gone_ = Error{"P11-MODULE-CRASHED", signal_name(e.signal) + " in " + what};
  } else if (e.ended) {
    gone_ = Error{"P11-MODULE-CRASHED", "the module host exited (code " + std::to_string(e.code) + ") in " + what};
  } else {
    gone_ = Error{"P11-HOST-FAILED", "the connection to the module host broke during " + what};
  }
  return *gone_;
}

Expected<Json> ModuleHost::call(const Json& request, const Secret* pin) {
  std::lock_guard g(m_);
  if (gone_) return *gone_;
  const std::string op = request.value("op", "");
  const auto t0 = Clock::now();
  const auto deadline = t0 + timeout_;
  if (!wire::write_frame(proc_.channel, request.dump()) || (pin && !wire::write_secret_frame(proc_.channel, *pin)))
    return lost(op, false);
  std::string frame;
  const auto st = wire::read_frame_until(proc_.channel, frame, deadline);
  roundtrip_ms_ += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (st == wire::ReadStatus::timeout) return lost(op, true);
  if (st != wire::ReadStatus::ok) return lost(op, false);
  Json answer = Json::parse(frame, nullptr, false);
  if (!answer.is_object()) {
    kill_host(proc_);
    gone_ = Error{"P11-HOST-FAILED", "malformed answer from the module host to " + op};
    return *gone_;
  }
  if (answer.contains("calls") && answer["calls"].is_array())
    for (const auto& c : answer["calls"])
      timings_.push_back({c.value("fn", ""), c.value("ms", 0.0), c.value("rv", "")});
  if (answer.value("ok", false)) return answer;
  if (answer.value("error", "") == "call") return error_for_rv(answer.value("fn", ""), answer.value("rv", 0UL));
  return refusal(answer);
}

}  // namespace certwiz::pkcs11

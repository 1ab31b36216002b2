#include "checks/pkcs11/checks.h"

#include <mutex>

#include "checks/pkcs11/discovery.h"
#include "checks/pkcs11/inventory.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/probe.h"
#include "checks/pkcs11/selftest.h"
#include "checks/pkcs11/shared_host.h"

namespace certwiz::pkcs11 {
namespace {

using std::chrono::milliseconds;

Json timing_evidence(const ModuleHost& host, size_t since) {
  Json calls = Json::array();
  double total = 0;
  for (const auto& t : host.timings(since)) {
    calls.push_back(Json{{"fn", t.fn}, {"ms", t.ms}, {"rv", t.rv}});
    total += t.ms;
  }
  return Json{{"pkcs11_ms", total}, {"pkcs11_calls", calls}};
}

Json candidates_json(const std::vector<ModuleCandidate>& cs) {
  Json out = Json::array();
  for (const auto& c : cs) out.push_back(Json{{"path", c.path}, {"source", c.source}, {"hicos", c.hicos}});
  return out;
}

double ms_since(const ModuleHost& host, size_t since) {
  double total = 0;
  for (const auto& t : host.timings(since)) total += t.ms;
  return total;
}

// A check that uses the run's shared host says it is done when it returns, however it
// returns: the last one ends the host.
struct HostUse {
  SharedModuleHost& share;
  ~HostUse() { share.release(); }
};

CheckResult module_check(const RunOptions& options, SharedModuleHost& share) {
  HostUse use{share};
  const auto candidates = discover_modules(options);
  Json evidence{{"candidates", candidates_json(candidates)}};
  if (Json facts = hicos_installation_facts(); !facts.empty()) evidence["hicos_installation"] = std::move(facts);
  const ModuleCandidate* chosen = preferred_module(candidates);
  if (!chosen) {
    Json roots = Json::array();
    for (const auto& r : hicos_search_roots()) roots.push_back(r.dir);
    evidence["searched"] = roots;
    return CheckResult::failure("P11-NO-MODULE", {"找不到 HiCOS PKCS#11 模組", "No HiCOS PKCS#11 module found"}, evidence);
  }
  evidence["path"] = chosen->path;
  evidence["source"] = chosen->source;
  bool fresh = false;
  auto host = share.get(chosen->path, &fresh);
  Expected<ModuleInfo> info = host ? probe_module_info(**host) : Expected<ModuleInfo>(host.error());
  // The check that started the host owns C_Initialize's time.
  if (info && fresh) info->pkcs11_ms = ms_since(**host, 0);
  CheckResult r;
  if (!info) {
    r = CheckResult::from_error(info.error(), {"PKCS#11 模組無法使用：" + chosen->path, "The PKCS#11 module cannot be used: " + chosen->path},
                                evidence);
  } else {
    evidence["info"] = to_json(*info);
    evidence["pkcs11_ms"] = info->pkcs11_ms;
    const std::string who = info->description + " " + info->library_version + " (" + info->manufacturer + ")";
    r = CheckResult::pass({"PKCS#11 模組：" + who + "，" + std::to_string(info->slot_count) + " 個讀卡槽",
                           "PKCS#11 module: " + who + ", " + std::to_string(info->slot_count) + " slot(s)"},
                          evidence);
  }
  // The module the later checks open (pkcs11.tokens), whether or not it answered here.
  r.set_model(*chosen);
  return r;
}

CheckResult tokens_check(const CheckContext& ctx, SharedModuleHost& share) {
  HostUse use{share};
  const CheckResult* module = ctx.result_of("pkcs11.module");
  const ModuleCandidate* chosen = module ? module->model<ModuleCandidate>() : nullptr;
  const std::string path = chosen ? chosen->path : "";
  bool fresh = false;
  auto host = share.get(path, &fresh);
  if (!host) return CheckResult::from_error(host.error(), {"無法載入 PKCS#11 模組", "Could not load the PKCS#11 module"});
  const size_t since = fresh ? 0 : (*host)->timing_count();
  auto inv = collect_tokens(*host);
  if (!inv) return CheckResult::from_error(inv.error(), {"無法讀取卡片資訊", "Could not read the cards"}, timing_evidence(**host, since));
  inv->module = path;
  Json evidence = to_json(*inv);
  evidence["module"] = path;
  evidence.update(timing_evidence(**host, since));
  const std::vector<Token>& tokens = inv->tokens;
  auto with_model = [&inv](CheckResult r) {
    r.set_model(std::move(*inv));
    return r;
  };
  if (inv->slots.empty()) return with_model(CheckResult::failure("P11-NO-SLOT", {"沒有讀卡機", "No card reader"}, evidence));
  if (tokens.empty()) return with_model(CheckResult::failure("P11-NO-TOKEN", {"讀卡機中沒有卡片", "No card in the reader"}, evidence));
  std::string list;
  for (const auto& t : tokens) list += (list.empty() ? "" : "; ") + t.label + " " + t.serial + " @ " + t.reader;
  // A locked or nearly locked card is worth a warning here, but the certificates on it
  // are still readable, so the checks that read them must still run (warn, not fail).
  auto cards_where = [&tokens](auto&& pred) {
    std::string out;
    for (const auto& t : tokens)
      if (pred(PinGuard::pin_state(t))) out += (out.empty() ? "" : "; ") + t.serial + " @ " + t.reader;
    return out;
  };
  const std::string locked = cards_where([](const PinStatus& p) { return p.locked; });
  if (!locked.empty())
    return with_model(
        CheckResult::warning("P11-PIN-LOCKED", {"卡片 PIN 碼已鎖住：" + locked, "The card's PIN is locked: " + locked}, evidence));
  const std::string low = cards_where([](const PinStatus& p) { return p.final_try || p.count_low; });
  if (!low.empty())
    return with_model(CheckResult::warning(
        "P11-PIN-COUNT-LOW", {"卡片曾輸入錯誤 PIN 碼：" + low, "The card recorded a wrong PIN: " + low}, evidence));
  return with_model(CheckResult::pass(
      {std::to_string(tokens.size()) + " 張卡片：" + list, std::to_string(tokens.size()) + " card(s): " + list}, evidence));
}

// What the self-tests share: the run's module host, one session, logged in once. The
// session is logged out and closed when the last self-test ends or the run is torn down.
struct SelfTestRun {
  std::mutex m;  // the self-tests take turns on the session
  std::shared_ptr<ModuleHost> host;
  size_t since = 0;  // the host's timings before the PIN check
  std::unique_ptr<Session> session;
  int remaining = 3;  // sign, decrypt, cms

  void end_locked() {
    if (session) session->close();
    session.reset();
    host.reset();  // the host itself belongs to the run (SharedModuleHost)
  }
  void finished_one() {
    std::lock_guard g(m);
    if (--remaining <= 0) end_locked();
  }
  ~SelfTestRun() { end_locked(); }
};

CheckResult pin_check(const CheckContext& ctx, const RunOptions& options, SelfTestRun& run, SharedModuleHost& share) {
  HostUse use{share};
  if (!options.pin)
    return CheckResult::skipped({"未提供 PIN 碼，略過卡片自我測試（使用 --pin-stdin）",
                                 "No PIN given; card self-tests skipped (use --pin-stdin)"});
  const CheckResult* tokens = ctx.result_of("pkcs11.tokens");
  if (!tokens) return CheckResult::failure("P11-NO-TOKEN", {"沒有卡片資訊", "No card information"});
  // No model: the inventory could not be read, so there is no card to choose.
  const TokenInventory* read = tokens->model<TokenInventory>();
  const TokenInventory inventory = read ? *read : TokenInventory{};
  auto token = choose_token(inventory, options.reader);
  if (!token) return CheckResult::from_error(token.error(), {"無法決定要測試哪張卡片", "Cannot tell which card to test"});
  Json evidence{{"reader", token->reader}, {"label", token->label}, {"serial", token->serial}};

  std::lock_guard g(run.m);
  bool fresh = false;
  auto host = share.get(inventory.module, &fresh);
  if (!host) return CheckResult::from_error(host.error(), {"無法載入 PKCS#11 模組", "Could not load the PKCS#11 module"}, evidence);
  run.host = *host;
  run.since = fresh ? 0 : run.host->timing_count();
  auto session = Session::open(run.host, token->slot_id);
  if (!session) {
    evidence.update(timing_evidence(*run.host, run.since));
    run.end_locked();
    return CheckResult::from_error(session.error(), {"無法開啟卡片連線", "Could not open a session with the card"}, evidence);
  }
  run.session = std::move(*session);
  PinGuard guard(*run.session, options.confirm_final_try);
  PinAttempt a = guard.login(*options.pin);
  evidence.update(a.evidence);
  evidence["login_sent"] = a.login_sent;
  evidence["tries_left"] = a.tries_left ? Json(*a.tries_left) : Json(nullptr);
  evidence.update(timing_evidence(*run.host, run.since));
  const std::string left = a.tries_left ? std::to_string(*a.tries_left) : std::string("?");
  if (!a.logged_in) {
    run.end_locked();
    const Error& e = *a.error;
    if (e.code == "P11-PIN-WRONG")
      return CheckResult::from_error(e, {"PIN 碼錯誤，剩餘 " + left + " 次嘗試機會", "Wrong PIN; " + left + " tries left"}, evidence);
    if (e.code == "P11-PIN-LOCKED")
      return CheckResult::from_error(e, {"卡片 PIN 碼已鎖住，未嘗試登入", "The card's PIN is locked; no login was tried"}, evidence);
    if (e.code == "P11-PIN-FINAL-TRY-REFUSED")
      return CheckResult::from_error(e, {"卡片只剩最後 1 次機會，未送出 PIN 碼", "One try left on the card; the PIN was not sent"}, evidence);
    if (e.code == "P11-PIN-FORMAT")
      return CheckResult::from_error(e, {"PIN 碼格式不符，未送到卡片", "The PIN has the wrong form; it was not sent to the card"}, evidence);
    return CheckResult::from_error(e, {"PIN 碼驗證未完成", "PIN verification did not complete"}, evidence);
  }
  if (a.count_low_before)
    return CheckResult::warning("P11-PIN-COUNT-LOW", {"PIN 碼正確（卡片先前曾記錄錯誤嘗試）", "PIN correct (the card had recorded a wrong try before)"},
                                evidence);
  return CheckResult::pass({"PIN 碼正確", "PIN correct"}, evidence);
}

using SelfTest = CheckResult (*)(Session&);

CheckResult session_test(const CheckContext& ctx, SelfTestRun& run, SelfTest test, SharedModuleHost& share) {
  HostUse use{share};
  CheckResult r;
  const CheckResult* pin = ctx.result_of("selftest.pin");
  const bool logged_in = pin && (pin->status == Status::pass || pin->status == Status::warn);
  {
    std::lock_guard g(run.m);
    if (!logged_in) {
      r = CheckResult::skipped({"略過：需要先通過 PIN 碼驗證", "Skipped: needs a verified PIN first"},
                               Json{{"blocked_by", "selftest.pin"}});
    } else if (!run.session || !run.host || !run.host->alive()) {
      r = CheckResult::skipped({"略過：與卡片的連線已因先前的錯誤結束", "Skipped: an earlier failure ended the session with the card"});
    } else {
      const size_t since = run.host->timing_count();
      r = test(*run.session);
      r.evidence.update(timing_evidence(*run.host, since));
    }
  }
  run.finished_one();
  return r;
}

milliseconds session_timeout(const RunOptions& o) {
  // Long enough for the host's own time limit to fire first (a test makes a few calls).
  return o.probe_timeout * 4 + std::chrono::seconds(10);
}

}  // namespace

std::shared_ptr<SharedModuleHost> share_module_host(const RunOptions& options) {
  return std::make_shared<SharedModuleHost>(options.probe_timeout);
}

std::vector<Check> pkcs11_checks(const RunOptions& options, std::shared_ptr<SharedModuleHost> share) {
  if (!share) share = share_module_host(options);
  std::vector<Check> out;
  Check module;
  module.id = "pkcs11.module";
  module.title = {"PKCS#11 中介軟體（HiCOS）", "PKCS#11 middleware (HiCOS)"};
  module.timeout = options.probe_timeout * 3 + std::chrono::seconds(5);
  share->expect_user();
  module.run = [options, share](const CheckContext&) { return module_check(options, *share); };
  out.push_back(std::move(module));

  Check tokens;
  tokens.id = "pkcs11.tokens";
  tokens.title = {"卡片與憑證物件", "Cards and their objects"};
  tokens.depends_on = {"pkcs11.module"};
  tokens.timeout = options.probe_timeout * 3 + std::chrono::seconds(5);
  share->expect_user();
  tokens.run = [share](const CheckContext& ctx) { return tokens_check(ctx, *share); };
  out.push_back(std::move(tokens));
  return out;
}

std::vector<Check> selftest_checks(const RunOptions& options, std::shared_ptr<SharedModuleHost> share) {
  if (!share) share = share_module_host(options);
  auto run = std::make_shared<SelfTestRun>();
  std::vector<Check> out;
  Check pin;
  pin.id = "selftest.pin";
  pin.title = {"PIN 碼驗證", "PIN verification"};
  pin.depends_on = {"pkcs11.tokens"};
  pin.timeout = session_timeout(options);
  share->expect_user();
  pin.run = [options, run, share](const CheckContext& ctx) { return pin_check(ctx, options, *run, *share); };
  out.push_back(std::move(pin));

  const struct {
    const char* id;
    Text title;
    SelfTest test;
  } tests[] = {
      {"selftest.sign", {"卡片簽章測試", "Card signing test"}, &test_signing},
      {"selftest.decrypt", {"卡片解密測試", "Card decryption test"}, &test_decryption},
      {"selftest.cms", {"網站登入簽章（CMS）測試", "Site login signature (CMS) test"}, &test_cms},
  };
  // One after the other, in this order, so that a card which hangs or crashes in one
  // test is blamed on that test; each runs even when the one before failed or was
  // skipped (a mechanism not offered must not hide the others).
  std::string previous;
  for (const auto& t : tests) {
    Check c;
    c.id = t.id;
    c.title = t.title;
    c.depends_on = {"selftest.pin"};
    if (!previous.empty()) c.depends_on.push_back(previous);
    c.run_when_dependency_fails = true;
    c.timeout = session_timeout(options);
    share->expect_user();
    c.run = [run, share, test = t.test](const CheckContext& ctx) { return session_test(ctx, *run, test, *share); };
    out.push_back(std::move(c));
    previous = t.id;
  }
  return out;
}

}  // namespace certwiz::pkcs11

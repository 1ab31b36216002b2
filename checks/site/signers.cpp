#include "checks/site/signers.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "checks/localsign/client.h"
#include "checks/localsign/ret_codes.h"
#include "checks/pkcs11/cms.h"
#include "checks/pkcs11/discovery.h"
#include "checks/pkcs11/inventory.h"
#include "checks/pkcs11/module_host.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/pin_state.h"
#include "checks/pkcs11/protocol.h"
#include "checks/pkcs11/session.h"
#include "checks/site/session.h"

namespace certwiz::site {

std::string_view signing_path_name(SigningPath p) { return p == SigningPath::card ? "card" : "localsign"; }

// ---- card signer --------------------------------------------------------------------------

struct CardSigner::State {
  CardSignerOptions options;
  std::shared_ptr<const Secret> pin;
  std::mutex m;
  std::shared_ptr<pkcs11::ModuleHost> host;
  std::unique_ptr<pkcs11::Session> session;
  std::optional<Error> login_error;  // sticky: a failed login is never retried
  bool pin_rejected = false;
  Json evidence = Json::object();
  std::optional<int> tries_left;
};

CardSigner::CardSigner(CardSignerOptions options, std::shared_ptr<const Secret> pin) : s_(std::make_unique<State>()) {
  s_->options = std::move(options);
  s_->pin = std::move(pin);
}

CardSigner::~CardSigner() {
  if (s_->session) s_->session->close();
  s_->session.reset();
  if (s_->host) s_->host->shutdown();
}

bool CardSigner::pin_rejected() const {
  std::lock_guard g(s_->m);
  return s_->pin_rejected;
}
Json CardSigner::pin_evidence() const {
  std::lock_guard g(s_->m);
  return s_->evidence;
}
std::optional<int> CardSigner::tries_left() const {
  std::lock_guard g(s_->m);
  return s_->tries_left;
}
// Set at construction; sign() fills in a discovered module under the lock.
const CardSignerOptions& CardSigner::options() const { return s_->options; }

Expected<std::vector<uint8_t>> CardSigner::sign(const Challenge& c) {
  std::lock_guard g(s_->m);
  if (s_->login_error) return *s_->login_error;
  if (!s_->session || !s_->session->logged_in()) {
    if (!s_->pin || s_->pin->empty()) return Error{"LOCALSIGN-NO-PIN", "no PIN given for the card path"};
    if (s_->options.module.empty()) {
      // As diagnose finds it: HiCOS's install paths, HiCOS registered with p11-kit.
      const auto candidates = pkcs11::discover_modules(RunOptions{});
      if (const auto* found = pkcs11::preferred_module(candidates)) s_->options.module = found->path;
    }
    if (s_->options.module.empty())
      return Error{"P11-NO-MODULE", "no PKCS#11 module given (--module or CERTWIZ_PKCS11_MODULE) nor found"};
    auto host = pkcs11::ModuleHost::start(s_->options.module, s_->options.call_timeout);
    if (!host) return host.error();
    s_->host = *host;
    auto inv = pkcs11::collect_inventory(s_->host);
    if (!inv) return inv.error();
    auto token = pkcs11::choose_token(*inv, s_->options.reader);
    if (!token) return token.error();
    auto session = pkcs11::Session::open(s_->host, token->value("slot_id", 0UL));
    if (!session) return session.error();
    s_->session = std::move(*session);
    pkcs11::PinGuard guard(*s_->session, s_->options.confirm_final_try);
    pkcs11::PinAttempt attempt = guard.login(*s_->pin);
    s_->evidence = attempt.evidence;
    s_->tries_left = attempt.tries_left;
    if (!attempt.logged_in) {
      s_->pin_rejected = attempt.login_sent;
      s_->login_error = attempt.error.value_or(Error{"P11-PIN-WRONG", "C_Login failed"});
      return *s_->login_error;
    }
  }
  return pkcs11::sign_cms(*s_->session, c.tbs, c.nonce, false);
}

// ---- local signing component signer ----------------------------------------------------

LocalSignSigner::LocalSignSigner(LocalSignSignerOptions options, std::shared_ptr<const Secret> pin)
    : options_(std::move(options)), pin_(std::move(pin)) {}

std::optional<Error> LocalSignSigner::check_pin_state() {
  // The component spends a PIN try without asking: read the card's state first.
  pkcs11::PinStateQuery q;
  q.options.pkcs11_module = options_.pin_state_module;
  q.reader = options_.pin_state_reader;
  q.timeout = options_.pin_state_timeout;
  // Which module the component loaded is a hint for finding the same one (its answer
  // carries no PIN state itself). No answer: the sign request will say why.
  q.component_library_description = [this] {
    auto info = localsign::Client(options_.url, std::min(options_.timeout, options_.pin_state_timeout)).pkcs11info(false);
    return info ? info->library_description : std::string();
  };
  auto state = pkcs11::read_pin_state(q);
  if (!state) {
    pin_state_evidence_ = Json{{"unknown", state.error().code}, {"detail", state.error().detail}};
    if (!options_.confirm_final_try)
      return Error{"SITE-PIN-STATE-UNKNOWN", state.error().code + ": " + state.error().detail +
                                                 "; the PIN was not sent to the component"};
    return std::nullopt;  // the user accepted that this try may be the last
  }
  pin_state_evidence_ = Json{{"module", state->module}, {"source", state->source}, {"reader", state->reader},
                             {"tries_left", state->tries_left ? Json(*state->tries_left) : Json(nullptr)}};
  return pkcs11::PinGuard::refusal(state->locked, state->final_try, options_.confirm_final_try,
                                   "nothing sent to the component");
}

Expected<std::vector<uint8_t>> LocalSignSigner::sign(const Challenge& c) {
  if (pin_rejected_) return Error{"LOCALSIGN-LOGIN-FAILED", "the card refused this PIN before; not offered again"};
  if (!pin_ || pin_->empty()) return Error{"LOCALSIGN-NO-PIN", "no PIN given for the local signing component"};
  if (!pin_state_checked_) {
    if (auto refused = check_pin_state()) return *refused;
    pin_state_checked_ = true;
  }
  localsign::Client client(options_.url, options_.timeout);
  localsign::SignRequest req;
  req.tbs = c.tbs;
  req.nonce = c.nonce;
  req.slot_description = options_.slot_description;
  req.signature_type = "PKCS7";
  req.pin = pin_.get();
  req.origin = options_.origin;
  auto r = client.sign(req);
  if (!r) return r.error();
  last_ret_code_ = r->ret_code;
  if (r->ret_code != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", r->ret_code);
    std::string detail = std::string("ret_code ") + hex;
    const auto* info = localsign::describe_ret_code(r->ret_code);
    std::string code = info && !info->failure_code.empty() ? std::string(info->failure_code) : "LOCALSIGN-UNKNOWN-RET-CODE";
    if (info) detail += " (" + std::string(info->name) + ")";
    if (code == "LOCALSIGN-LOGIN-FAILED") {
      pin_rejected_ = true;
      if (auto le = localsign::describe_last_error(r->last_error)) detail += "; " + le->meaning.en;
    }
    return Error{code, detail};
  }
  auto der = pkcs11::wire::base64_decode(r->signature_b64);
  if (!der || der->empty()) return Error{"LOCALSIGN-MALFORMED", "the signature is not base64"};
  return *der;
}

// ---- one set-up for every front end --------------------------------------------------------

Signers make_signers(const RunOptions& run, const SiteProfile& profile, const SignerRequest& request,
                     std::shared_ptr<const Secret> pin) {
  Signers out;
  if (request.card) {
    CardSignerOptions co;
    co.module = run.pkcs11_module;
    co.reader = request.reader;
    co.confirm_final_try = run.confirm_final_try;
    out.push_back(std::make_unique<CardSigner>(co, pin));
  }
  if (request.localsign) {
    LocalSignSignerOptions lo;
    lo.url = request.localsign_url;
    if (lo.url.empty())
      if (const char* u = std::getenv("CERTWIZ_LAB_LOCALSIGN_URL"); u && *u) lo.url = u;
    if (lo.url.empty()) lo.url = run.local_sign_url;
    lo.origin = site_origin(profile);
    lo.slot_description = request.reader;
    // The card's retry state is read before the PIN goes to the component (which would
    // spend the final try without asking), through the run's module or else the module
    // discovery finds; unreadable, only with the final try confirmed.
    lo.pin_state_module = run.pkcs11_module;
    lo.pin_state_reader = request.reader;
    lo.confirm_final_try = run.confirm_final_try;
    out.push_back(std::make_unique<LocalSignSigner>(lo, pin));
  }
  return out;
}

std::vector<ChallengeSigner*> signer_ptrs(const Signers& signers) {
  std::vector<ChallengeSigner*> out;
  for (const auto& s : signers) out.push_back(s.get());
  return out;
}

}  // namespace certwiz::site

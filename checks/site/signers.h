#pragma once
// The two ways a challenge gets signed: (a) the card through PKCS#11 and (b) the local
// signing component, as the site's web page calls it. Both ask the PinGuard's one rule
// (PinGuard::refusal) before a PIN goes out, and make_signers builds them for the CLI
// and the wizard alike.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/profile/site_profile.h"
#include "checks/core/options.h"
#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/site/answers.h"

namespace certwiz::site {

enum class SigningPath { card, localsign };
std::string_view signing_path_name(SigningPath p);  // "card" | "localsign"

// Signs a challenge's tbs exactly as received, as CMS SignedData (DER) with the nonce
// attribute. Implementations hold the PIN only to hand it to the card or component.
class ChallengeSigner {
 public:
  virtual ~ChallengeSigner() = default;
  virtual SigningPath path() const = 0;
  virtual Expected<std::vector<uint8_t>> sign(const Challenge& c) = 0;
  // Whether a failure so far was the card refusing the PIN: the caller must not offer
  // the same PIN to the card again (another path would spend another try).
  virtual bool pin_rejected() const = 0;
};

struct CardSignerOptions {
  std::string module;      // PKCS#11 module path (CERTWIZ_PKCS11_MODULE or discovery)
  std::string reader;      // slot description; empty: the only card
  bool confirm_final_try = false;
  std::chrono::milliseconds call_timeout{std::chrono::seconds(15)};
};
// Path (a): the card through PKCS#11 (checks/pkcs11: ModuleHost, PinGuard, sign_cms).
// Logs in once (PinGuard: reads the retry state first, refuses the final try unless
// confirmed, never retries) and signs any number of challenges in that session.
// Thread-safe: concurrent sign() calls are serialised.
class CardSigner : public ChallengeSigner {
 public:
  CardSigner(CardSignerOptions options, std::shared_ptr<const Secret> pin);
  ~CardSigner() override;
  SigningPath path() const override { return SigningPath::card; }
  Expected<std::vector<uint8_t>> sign(const Challenge& c) override;
  bool pin_rejected() const override;
  // PIN state evidence of the last login attempt (never the PIN), tries left if known.
  Json pin_evidence() const;
  std::optional<int> tries_left() const;
  const CardSignerOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

struct LocalSignSignerOptions {
  std::string url = "http://127.0.0.1:61161";
  std::string origin;            // the site page's origin (SiteClient::origin())
  std::string slot_description;  // the reader; empty: the component's choice
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // Before the PIN goes to the component, the card's retry state is read through the
  // PKCS#11 module diagnose would use (this explicit one first, when set; then HiCOS's
  // install paths and p11-kit registrations; then a registered module describing itself
  // as the component's does): the component itself spends the final try without asking.
  // A locked card is refused; the final try, or a state that cannot be read
  // (SITE-PIN-STATE-UNKNOWN), only with confirm_final_try.
  std::string pin_state_module;
  std::string pin_state_reader;
  bool confirm_final_try = false;
  std::chrono::milliseconds pin_state_timeout{std::chrono::seconds(15)};
};
// Path (b): the local signing component (POST /sign, tbsPackage, signatureType PKCS7),
// as the site's web page calls it. Its ret_code maps to the LOCALSIGN-* codes
// (0x76000031 → LOCALSIGN-SITE-NOT-TRUSTED).
class LocalSignSigner : public ChallengeSigner {
 public:
  LocalSignSigner(LocalSignSignerOptions options, std::shared_ptr<const Secret> pin);
  SigningPath path() const override { return SigningPath::localsign; }
  Expected<std::vector<uint8_t>> sign(const Challenge& c) override;
  bool pin_rejected() const override { return pin_rejected_; }
  uint32_t last_ret_code() const { return last_ret_code_; }
  const LocalSignSignerOptions& options() const { return options_; }
  // Where the retry state was read before the PIN went out ({"module","source",
  // "tries_left"} or {"unknown": code}); empty before the first sign().
  const Json& pin_state_evidence() const { return pin_state_evidence_; }

 private:
  std::optional<Error> check_pin_state();
  LocalSignSignerOptions options_;
  std::shared_ptr<const Secret> pin_;
  bool pin_rejected_ = false;
  bool pin_state_checked_ = false;
  Json pin_state_evidence_ = Json::object();
  uint32_t last_ret_code_ = 0;
};

// What a run asks of its signers besides the run's options.
struct SignerRequest {
  bool card = true;       // path (a)
  bool localsign = true;  // path (b)
  std::string reader;     // the card's reader (slot description); empty: the only card
  // The component (--localsign-url); empty: the lab's CERTWIZ_LAB_LOCALSIGN_URL when set,
  // else RunOptions::local_sign_url.
  std::string localsign_url;
};
using Signers = std::vector<std::unique_ptr<ChallengeSigner>>;
// The signers of a run, card first, sharing `pin`: the module from run.pkcs11_module
// (discovery when empty), the final try only with run.confirm_final_try, the component
// told the page's origin of `profile`. The only place the lab's component URL is read.
Signers make_signers(const RunOptions& run, const SiteProfile& profile, const SignerRequest& request,
                     std::shared_ptr<const Secret> pin);
std::vector<ChallengeSigner*> signer_ptrs(const Signers& signers);

}  // namespace certwiz::site

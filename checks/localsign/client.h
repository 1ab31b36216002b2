#pragma once
// A client of the local signing component's HTTP API (跨平台網頁元件, HiPKI Local Sign
// Server on 127.0.0.1:61161), speaking to it exactly as a site's web page does.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"
#include "checks/core/secret.h"

namespace certwiz::localsign {

struct CertEntry {
  std::string certb64, label, usage, sn, subject_dn, issuer_dn;
};
struct TokenEntry {
  std::string serial;
  std::vector<CertEntry> certs;
};
struct SlotEntry {
  std::string description;
  std::optional<TokenEntry> token;  // only when a card is present
};
struct Pkcs11Info {
  uint32_t ret_code = 0;
  std::string server_version, library_description, library_version;
  std::vector<SlotEntry> slots;
};

struct SignRequest {
  std::string tbs;
  std::string nonce;
  std::string slot_description;
  std::string signature_type = "PKCS7";  // or "PKCS1"
  bool with_card_sn = false;
  const Secret* pin = nullptr;  // sent to the component only, as the site's page does
  // The page's origin ("https://site.example"): the component trusts by site.
  std::string origin;
};
struct SignResponse {
  uint32_t ret_code = 0;
  int64_t last_error = 0;
  std::string signature_b64, certb64, card_sn;
};

// Parsers (pure; fuzzed). Errors: LOCALSIGN-MALFORMED.
Expected<std::string> parse_version_page(std::string_view body);  // "version:1.3.4.3" → "1.3.4.3"
Expected<Pkcs11Info> parse_pkcs11info(std::string_view body);
Expected<SignResponse> parse_sign_response(std::string_view body);

class Client {
 public:
  explicit Client(std::string base_url = "http://127.0.0.1:61161",
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Errors: LOCALSIGN-NOT-RUNNING, LOCALSIGN-TIMEOUT, LOCALSIGN-MALFORMED.
  Expected<std::string> version() const;
  Expected<Pkcs11Info> pkcs11info(bool with_certs) const;
  // The PIN is written into a request buffer that is wiped after the call.
  Expected<SignResponse> sign(const SignRequest& request) const;

 private:
  Expected<std::string> call(const std::string& method, const std::string& path, std::string_view body,
                             const std::vector<std::string>& headers) const;
  std::string base_;
  std::chrono::milliseconds timeout_;
};

}  // namespace certwiz::localsign

#pragma once
// A PKCS#11 session on one token, opened through a ModuleHost. Closing it logs out
// first when logged in; the destructor does both, so a failed self-test cannot leave
// a card logged in.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/pkcs11/module_host.h"

namespace certwiz::pkcs11 {

// CKA_ID values the HiCOS cards use for their two key pairs.
inline constexpr std::string_view kSignId = "5349474e";  // "SIGN"
inline constexpr std::string_view kKeyxId = "4b455958";  // "KEYX"

class PinGuard;

class Session {
 public:
  static Expected<std::unique_ptr<Session>> open(std::shared_ptr<ModuleHost> host, unsigned long slot_id);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  ModuleHost& host() { return *host_; }
  unsigned long slot_id() const { return slot_id_; }
  bool logged_in() const { return logged_in_; }

  // The token's current info (label, serial, flags, PIN lengths): read fresh each time.
  Expected<Json> token_info();
  // Every mechanism the token lists; flags and key sizes only for the ones CertWiz uses
  // (session.cpp, mechanisms_used). Read once per session.
  Expected<Json> mechanisms();
  // Whether the token lists `mechanism` with `purpose` ("sign", "decrypt").
  bool offers(unsigned long mechanism, std::string_view purpose);
  // Certificates, private and public keys visible in this session (read once, and
  // again after a login, which can make private objects visible).
  Expected<Json> objects();
  // The DER certificate with CKA_ID `id_hex`.
  Expected<std::vector<uint8_t>> certificate(std::string_view id_hex);

  Expected<std::vector<uint8_t>> sign(std::string_view key_id_hex, unsigned long mechanism, std::span<const uint8_t> data);
  // CKM_RSA_PKCS_OAEP uses SHA-1 with MGF1-SHA-1.
  Expected<std::vector<uint8_t>> decrypt(std::string_view key_id_hex, unsigned long mechanism,
                                         std::span<const uint8_t> data);

  // C_Logout (when logged in) and C_CloseSession; safe to call twice.
  void close();

 private:
  friend class PinGuard;  // the only caller of login(): one C_Login per PIN typed
  Session(std::shared_ptr<ModuleHost> host, unsigned long slot_id, unsigned long handle);
  Expected<Json> login(const Secret& pin);

  std::shared_ptr<ModuleHost> host_;
  unsigned long slot_id_;
  unsigned long handle_;
  bool open_ = true;
  bool logged_in_ = false;
  std::optional<Json> mechanisms_;
  std::optional<Json> objects_;
};

}  // namespace certwiz::pkcs11

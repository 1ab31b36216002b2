#include "checks/pkcs11/session.h"

#include "checks/pkcs11/cryptoki.h"
#include "checks/pkcs11/names.h"
#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11 {

Session::Session(std::shared_ptr<ModuleHost> host, unsigned long slot_id, unsigned long handle)
    : host_(std::move(host)), slot_id_(slot_id), handle_(handle) {}

Expected<std::unique_ptr<Session>> Session::open(std::shared_ptr<ModuleHost> host, unsigned long slot_id) {
  auto r = host->call(Json{{"op", "open_session"}, {"slot", slot_id}});
  if (!r) return r.error();
  return std::unique_ptr<Session>(new Session(std::move(host), slot_id, r->value("session", 0UL)));
}

Session::~Session() { close(); }

void Session::close() {
  if (!open_) return;
  open_ = false;
  if (!host_->alive()) return;
  if (logged_in_) (void)host_->call(Json{{"op", "logout"}, {"session", handle_}});
  logged_in_ = false;
  (void)host_->call(Json{{"op", "close_session"}, {"session", handle_}});
}

Expected<Json> Session::token_info() {
  auto r = host_->call(Json{{"op", "token_info"}, {"slot", slot_id_}});
  if (!r) return r.error();
  return (*r)["token"];
}

namespace {
// The mechanisms CertWiz signs and decrypts with (self-tests, the site's login CMS) and
// their usual neighbours: only these get C_GetMechanismInfo (flags, key sizes). Every
// other mechanism is still listed by name; offers() is asked about these alone.
Json mechanisms_used() {
  return Json::array({CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP, CKM_RSA_PKCS_PSS, CKM_SHA1_RSA_PKCS, CKM_SHA256_RSA_PKCS,
                      CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, CKM_ECDSA, CKM_ECDSA_SHA256});
}
}  // namespace

Expected<Json> Session::mechanisms() {
  if (mechanisms_) return *mechanisms_;
  auto r = host_->call(Json{{"op", "mechanisms"}, {"slot", slot_id_}, {"info_for", mechanisms_used()}});
  if (!r) return r.error();
  mechanisms_ = (*r)["mechanisms"];
  return *mechanisms_;
}

bool Session::offers(unsigned long mechanism, std::string_view purpose) {
  auto m = mechanisms();
  if (!m) return false;
  for (const auto& e : *m) {
    if (e.value("type", 0UL) != mechanism) continue;
    // A module that did not answer C_GetMechanismInfo still listed the mechanism.
    if (!e.contains("flags")) return true;
    for (const auto& f : e["flags"])
      if (f == purpose) return true;
  }
  return false;
}

Expected<Json> Session::objects() {
  if (objects_) return *objects_;
  auto r = host_->call(Json{{"op", "objects"}, {"session", handle_}});
  if (!r) return r.error();
  r->erase("ok");
  r->erase("calls");
  objects_ = *r;
  return *r;
}

Expected<std::vector<uint8_t>> Session::certificate(std::string_view id_hex) {
  auto objs = objects();
  if (!objs) return objs.error();
  for (const auto& c : (*objs)["certificates"]) {
    if (c.value("id", "") != id_hex) continue;
    auto der = wire::base64_decode(c.value("der_base64", ""));
    if (der && !der->empty()) return *der;
  }
  return Error{"P11-CERT-MISSING", "no certificate with CKA_ID " + std::string(id_hex)};
}

Expected<std::vector<uint8_t>> Session::sign(std::string_view key_id_hex, unsigned long mechanism,
                                             std::span<const uint8_t> data) {
  auto r = host_->call(Json{{"op", "sign"}, {"session", handle_}, {"key_id", key_id_hex},
                            {"mechanism", mechanism}, {"data", wire::base64_encode(data)}});
  if (!r) return r.error();
  auto sig = wire::base64_decode(r->value("signature", ""));
  if (!sig) return Error{"P11-HOST-FAILED", "malformed signature from the module host"};
  return *sig;
}

Expected<std::vector<uint8_t>> Session::decrypt(std::string_view key_id_hex, unsigned long mechanism,
                                                std::span<const uint8_t> data) {
  auto r = host_->call(Json{{"op", "decrypt"}, {"session", handle_}, {"key_id", key_id_hex},
                            {"mechanism", mechanism}, {"data", wire::base64_encode(data)}});
  if (!r) return r.error();
  auto plain = wire::base64_decode(r->value("plaintext", ""));
  if (!plain) return Error{"P11-HOST-FAILED", "malformed plaintext from the module host"};
  return *plain;
}

Expected<Json> Session::login(const Secret& pin) {
  auto r = host_->call(Json{{"op", "login"}, {"session", handle_}}, &pin);
  if (!r) return r.error();
  logged_in_ = true;
  objects_.reset();
  return Json::object();
}

}  // namespace certwiz::pkcs11

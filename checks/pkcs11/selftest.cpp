#include "checks/pkcs11/selftest.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "checks/pkcs11/cryptoki.h"

#include <memory>

#include "checks/pkcs11/cms.h"
#include "checks/pkcs11/names.h"
#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11 {
namespace {

// Fresh random bytes; a failing random generator is an error, never predictable zeros.
Expected<std::vector<uint8_t>> random_bytes(size_t n) {
  std::vector<uint8_t> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    ERR_clear_error();
    return Error{"P11-CRYPTO-FAILED", "RAND_bytes failed: no random bytes for the self-test"};
  }
  return out;
}

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

Json error_json(const Error& e) { return Json{{"code", e.code}, {"detail", e.detail}}; }

const Text kNotOffered{"此卡片不提供", "not offered by this card"};

// Encrypts `plain` under the certificate's RSA public key with OpenSSL.
Expected<std::vector<uint8_t>> encrypt_to_certificate(std::span<const uint8_t> cert, std::span<const uint8_t> plain,
                                                      bool oaep) {
  const unsigned char* p = cert.data();
  std::unique_ptr<X509, decltype(&X509_free)> x(d2i_X509(nullptr, &p, static_cast<long>(cert.size())), X509_free);
  if (!x) return Error{"P11-CRYPTO-FAILED", "KEYX certificate unreadable"};
  EVP_PKEY* pub = X509_get0_pubkey(x.get());
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(pub ? EVP_PKEY_CTX_new(pub, nullptr) : nullptr,
                                                                   EVP_PKEY_CTX_free);
  size_t n = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING) != 1 ||
      (oaep && (EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha1()) != 1 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha1()) != 1)) ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &n, plain.data(), plain.size()) != 1) {
    ERR_clear_error();
    return Error{"P11-CRYPTO-FAILED", "cannot encrypt to the KEYX certificate's key"};
  }
  std::vector<uint8_t> out(n);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, plain.data(), plain.size()) != 1) {
    ERR_clear_error();
    return Error{"P11-CRYPTO-FAILED", "encryption failed"};
  }
  out.resize(n);
  return out;
}

// The result of several per-mechanism sub-tests: the worst failure decides; a check
// where nothing was offered is skipped.
CheckResult combine(const Json& per_mechanism, const Text& passed, const std::optional<Error>& worst_error,
                    const Text& failed_summary) {
  bool any_tested = false;
  for (const auto& m : per_mechanism)
    if (m.value("result", "") != "not offered") any_tested = true;
  Json evidence{{"mechanisms", per_mechanism}};
  if (worst_error) return CheckResult::from_error(*worst_error, failed_summary, evidence);
  if (!any_tested)
    return CheckResult::skipped({"略過：" + kNotOffered.zh_TW, "Skipped: " + kNotOffered.en}, evidence);
  return CheckResult::pass(passed, evidence);
}

// A card that gives up mid-way (removed, crashed, hung) stops the sub-tests; a mechanism
// the card refuses is only that mechanism's problem.
bool fatal(const Error& e) { return e.code != "P11-MECHANISM-NOT-OFFERED"; }

}  // namespace

CheckResult test_signing(Session& session) {
  auto cert = session.certificate(kSignId);
  if (!cert) return CheckResult::from_error(cert.error(), {"卡片上沒有簽章憑證（SIGN）", "No signing certificate (SIGN) on the card"});
  Json per = Json::array();
  std::optional<Error> failure;
  const auto challenge = random_bytes(16);
  if (!challenge) return CheckResult::from_error(challenge.error(), {"無法產生測試資料", "Could not make the test data"});
  const auto message = bytes_of("CertWiz self-test " + wire::hex_encode(*challenge));
  for (unsigned long mech : {static_cast<unsigned long>(CKM_SHA256_RSA_PKCS), static_cast<unsigned long>(CKM_RSA_PKCS)}) {
    Json m{{"mechanism", mechanism_name(mech)}};
    if (!session.offers(mech, "sign")) {
      m["result"] = "not offered";
      per.push_back(m);
      continue;
    }
    auto sig = sign_sha256_rsa(session, kSignId, message, mech);
    if (!sig) {
      m["result"] = sig.error().code == "P11-MECHANISM-NOT-OFFERED" ? "not offered" : "error";
      m["error"] = error_json(sig.error());
      per.push_back(m);
      if (fatal(sig.error())) {
        failure = sig.error();
        break;
      }
      continue;
    }
    auto good = verify_sha256_rsa(*cert, message, sig->signature);
    auto tampered_message = message;
    tampered_message.back() ^= 0x01;
    auto tampered = verify_sha256_rsa(*cert, tampered_message, sig->signature);
    if (!good || !tampered) {
      failure = good ? tampered.error() : good.error();
      m["result"] = "error";
      per.push_back(m);
      break;
    }
    m["signature_bytes"] = sig->signature.size();
    m["verifies"] = *good;
    m["tampered_rejected"] = !*tampered;
    if (!*good) {
      m["result"] = "fail";
      failure = Error{"P11-SIGNATURE-INVALID", mechanism_name(mech) + ": signature does not verify with the SIGN certificate"};
    } else if (*tampered) {
      m["result"] = "fail";
      failure = Error{"P11-TAMPER-ACCEPTED", mechanism_name(mech) + ": a tampered message verified"};
    } else {
      m["result"] = "pass";
    }
    per.push_back(m);
  }
  return combine(per, {"卡片簽章正確，可用憑證驗證", "The card signs correctly; the certificate verifies it"}, failure,
                 {"卡片簽章測試失敗", "The card's signing test failed"});
}

CheckResult test_decryption(Session& session) {
  auto cert = session.certificate(kKeyxId);
  if (!cert) return CheckResult::from_error(cert.error(), {"卡片上沒有加密憑證（KEYX）", "No encryption certificate (KEYX) on the card"});
  Json per = Json::array();
  std::optional<Error> failure;
  for (unsigned long mech : {static_cast<unsigned long>(CKM_RSA_PKCS), static_cast<unsigned long>(CKM_RSA_PKCS_OAEP)}) {
    Json m{{"mechanism", mechanism_name(mech)}};
    if (mech == CKM_RSA_PKCS_OAEP) m["hash"] = "SHA-1";
    if (!session.offers(mech, "decrypt")) {
      m["result"] = "not offered";
      per.push_back(m);
      continue;
    }
    const auto random_plain = random_bytes(32);
    if (!random_plain) {
      failure = random_plain.error();
      m["result"] = "error";
      per.push_back(m);
      break;
    }
    const std::vector<uint8_t>& plain = *random_plain;
    auto enc = encrypt_to_certificate(*cert, plain, mech == CKM_RSA_PKCS_OAEP);
    if (!enc) {
      failure = enc.error();
      m["result"] = "error";
      per.push_back(m);
      break;
    }
    auto dec = session.decrypt(kKeyxId, mech, *enc);
    if (!dec) {
      m["result"] = dec.error().code == "P11-MECHANISM-NOT-OFFERED" ? "not offered" : "error";
      m["error"] = error_json(dec.error());
      per.push_back(m);
      if (fatal(dec.error())) {
        failure = dec.error();
        break;
      }
      continue;
    }
    m["matches"] = *dec == plain;
    m["result"] = *dec == plain ? "pass" : "fail";
    if (*dec != plain) failure = Error{"P11-DECRYPT-MISMATCH", mechanism_name(mech) + ": decrypted data differs"};
    per.push_back(m);
  }
  return combine(per, {"卡片解密正確", "The card decrypts correctly"}, failure,
                 {"卡片解密測試失敗", "The card's decryption test failed"});
}

CheckResult test_cms(Session& session) {
  const auto nonce_bytes = random_bytes(16);
  if (!nonce_bytes) return CheckResult::from_error(nonce_bytes.error(), {"無法產生測試資料", "Could not make the test data"});
  const std::string nonce = wire::hex_encode(*nonce_bytes);
  const std::string tbs = "CertWiz CMS self-test; nonce=" + nonce;
  auto cms = sign_cms(session, tbs, nonce, true);
  if (!cms) return CheckResult::from_error(cms.error(), {"無法以卡片產生 CMS 簽章", "Could not make a CMS signature with the card"});
  auto content = verify_cms(*cms);
  Json evidence{{"cms_bytes", cms->size()}};
  if (!content) return CheckResult::from_error(content.error(), {"CMS 簽章驗證失敗", "The CMS signature does not verify"}, evidence);
  auto serial = session.token_info();
  auto sign_cert = session.certificate(kSignId);
  evidence["signers"] = content->signer_count;
  evidence["content_matches"] = content->content == tbs;
  evidence["nonce_attribute"] = content->nonce.value_or("") == nonce;
  evidence["card_serial_attribute"] = serial && content->card_serial.value_or("\x01") == serial->value("serial", "");
  evidence["signer_is_sign_certificate"] = sign_cert && content->signer_certificate == *sign_cert;
  std::string wrong;
  for (const char* k : {"content_matches", "nonce_attribute", "card_serial_attribute", "signer_is_sign_certificate"})
    if (!evidence[k].get<bool>()) wrong += (wrong.empty() ? "" : ", ") + std::string(k);
  if (content->signer_count != 1) wrong += (wrong.empty() ? "" : ", ") + std::string("signer count");
  if (!wrong.empty())
    return CheckResult::failure("P11-CMS-INVALID", {"CMS 簽章內容不符", "The CMS signature's content is wrong"}, evidence,
                                "wrong: " + wrong);
  return CheckResult::pass({"CMS 簽章（網站登入用格式）正確", "The CMS signature (the format sites use for login) is correct"},
                           evidence);
}

}  // namespace certwiz::pkcs11

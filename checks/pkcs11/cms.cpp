#include "checks/pkcs11/cms.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include "checks/pkcs11/cryptoki.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace certwiz::pkcs11 {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<X509_SIG, Deleter<X509_SIG, X509_SIG_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;

Error crypto_error(const std::string& what) {
  char buf[256] = {0};
  const unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return Error{"P11-CRYPTO-FAILED", what + (e ? std::string(": ") + buf : std::string())};
}

X509Ptr parse_certificate(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

Expected<std::vector<uint8_t>> sha256(std::span<const uint8_t> data) {
  std::vector<uint8_t> md(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &n, EVP_sha256(), nullptr) != 1) return crypto_error("SHA-256");
  md.resize(n);
  return md;
}

// DigestInfo ::= SEQUENCE { AlgorithmIdentifier sha256 (NULL params), OCTET STRING digest }
Expected<std::vector<uint8_t>> digest_info_sha256(std::span<const uint8_t> data) {
  SigPtr sig(X509_SIG_new());
  if (!sig) return crypto_error("DigestInfo");
  X509_ALGOR* alg = nullptr;
  ASN1_OCTET_STRING* digest = nullptr;
  X509_SIG_getm(sig.get(), &alg, &digest);
  const auto md = sha256(data);
  if (!md) return md.error();
  if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) ||
      !ASN1_OCTET_STRING_set(digest, md->data(), static_cast<int>(md->size())))
    return crypto_error("DigestInfo");
  unsigned char* out = nullptr;
  const int n = i2d_X509_SIG(sig.get(), &out);
  if (n <= 0) return crypto_error("DigestInfo encoding");
  std::vector<uint8_t> der(out, out + n);
  OPENSSL_free(out);
  return der;
}

void append_der_length(std::vector<uint8_t>& out, size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
    return;
  }
  uint8_t bytes[sizeof(size_t)];
  size_t k = 0;
  for (size_t v = n; v; v >>= 8) bytes[k++] = static_cast<uint8_t>(v & 0xff);
  out.push_back(static_cast<uint8_t>(0x80 | k));
  while (k) out.push_back(bytes[--k]);
}

// The signed attributes as they are signed: a DER SET OF (tag 0x31) with the elements
// sorted as DER requires, which is also how OpenSSL encodes and verifies them.
Expected<std::vector<uint8_t>> signed_attributes_der(CMS_SignerInfo* si) {
  std::vector<std::vector<uint8_t>> encoded;
  const int count = CMS_signed_get_attr_count(si);
  for (int i = 0; i < count; ++i) {
    unsigned char* buf = nullptr;
    const int n = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &buf);
    if (n <= 0) return crypto_error("signed attribute encoding");
    encoded.emplace_back(buf, buf + n);
    OPENSSL_free(buf);
  }
  std::sort(encoded.begin(), encoded.end(), [](const auto& a, const auto& b) {
    const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
    return c != 0 ? c < 0 : a.size() < b.size();
  });
  size_t total = 0;
  for (const auto& e : encoded) total += e.size();
  std::vector<uint8_t> out{0x31};
  append_der_length(out, total);
  for (const auto& e : encoded) out.insert(out.end(), e.begin(), e.end());
  return out;
}

bool printable_string_ok(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr(" '()+,-./:=?", c) != nullptr;
  });
}

std::optional<std::string> attribute_text(CMS_SignerInfo* si, std::string_view oid) {
  ObjPtr obj(OBJ_txt2obj(std::string(oid).c_str(), 1));
  if (!obj) return std::nullopt;
  const int idx = CMS_signed_get_attr_by_OBJ(si, obj.get(), -1);
  if (idx < 0) return std::nullopt;
  X509_ATTRIBUTE* a = CMS_signed_get_attr(si, idx);
  ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(a, 0);
  if (!t || (t->type != V_ASN1_OCTET_STRING && t->type != V_ASN1_PRINTABLESTRING && t->type != V_ASN1_UTF8STRING))
    return std::nullopt;
  const ASN1_STRING* s = t->value.asn1_string;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
}

}  // namespace

Expected<CardSignature> sign_sha256_rsa(Session& session, std::string_view key_id_hex, std::span<const uint8_t> data,
                                        unsigned long mechanism) {
  if (mechanism == 0)
    mechanism = session.offers(CKM_SHA256_RSA_PKCS, "sign") || !session.offers(CKM_RSA_PKCS, "sign")
                    ? CKM_SHA256_RSA_PKCS : CKM_RSA_PKCS;
  Expected<std::vector<uint8_t>> sig = Error{};
  if (mechanism == CKM_RSA_PKCS) {
    auto di = digest_info_sha256(data);
    if (!di) return di.error();
    sig = session.sign(key_id_hex, CKM_RSA_PKCS, *di);
  } else {
    sig = session.sign(key_id_hex, mechanism, data);
  }
  if (!sig) return sig.error();
  return CardSignature{std::move(*sig), mechanism};
}

Expected<bool> verify_sha256_rsa(std::span<const uint8_t> cert, std::span<const uint8_t> data,
                                 std::span<const uint8_t> signature) {
  X509Ptr x(parse_certificate(cert));
  if (!x) return crypto_error("certificate");
  EVP_PKEY* pub = X509_get0_pubkey(x.get());
  if (!pub) return crypto_error("certificate public key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return crypto_error("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub) != 1) return crypto_error("verify init");
  const int r = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
  ERR_clear_error();
  return r == 1;
}

Expected<std::vector<uint8_t>> sign_cms(Session& session, std::string_view tbs, std::string_view nonce,
                                        bool with_card_sn) {
  auto cert_der = session.certificate(kSignId);
  if (!cert_der) return cert_der.error();
  X509Ptr cert(parse_certificate(*cert_der));
  if (!cert) return crypto_error("SIGN certificate");
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  if (!pub) return crypto_error("SIGN certificate public key");
  std::string serial;
  if (with_card_sn) {
    auto ti = session.token_info();
    if (!ti) return ti.error();
    serial = ti->value("serial", "");
  }

  constexpr unsigned kFlags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP;
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (!cms) return crypto_error("CMS_sign");
  // The card holds the private key; OpenSSL only checks that this public key matches
  // the certificate and never signs with it (CMS_PARTIAL).
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), cert.get(), pub, EVP_sha256(), kFlags);
  if (!si) return crypto_error("CMS_add1_signer");

  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (!content) return crypto_error("CMS content");
  if (!*content) *content = ASN1_OCTET_STRING_new();
  if (!*content || !ASN1_OCTET_STRING_set(*content, reinterpret_cast<const unsigned char*>(tbs.data()), static_cast<int>(tbs.size())))
    return crypto_error("CMS eContent");
  (*content)->flags &= ~ASN1_STRING_FLAG_CONT;

  const auto digest = sha256({reinterpret_cast<const uint8_t*>(tbs.data()), tbs.size()});
  if (!digest) return digest.error();
  TimePtr now(X509_gmtime_adj(nullptr, 0));
  ObjPtr nonce_oid(OBJ_txt2obj(std::string(kNonceAttributeOid).c_str(), 1));
  ObjPtr serial_oid(OBJ_txt2obj(std::string(kCardSerialAttributeOid).c_str(), 1));
  if (!now || !nonce_oid || !serial_oid) return crypto_error("attribute values");
  bool ok = CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) &&
            CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, now->type, now.get(), -1) &&
            CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest->data(),
                                        static_cast<int>(digest->size())) &&
            CMS_signed_add1_attr_by_OBJ(si, nonce_oid.get(), V_ASN1_OCTET_STRING, nonce.data(), static_cast<int>(nonce.size()));
  if (ok && with_card_sn)
    ok = CMS_signed_add1_attr_by_OBJ(si, serial_oid.get(),
                                     printable_string_ok(serial) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING,
                                     serial.data(), static_cast<int>(serial.size()));
  if (!ok) return crypto_error("signed attributes");

  auto to_sign = signed_attributes_der(si);
  if (!to_sign) return to_sign.error();
  auto sig = sign_sha256_rsa(session, kSignId, *to_sign);
  if (!sig) return sig.error();
  if (!ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig->signature.data(), static_cast<int>(sig->signature.size())))
    return crypto_error("signature value");

  unsigned char* out = nullptr;
  const int n = i2d_CMS_ContentInfo(cms.get(), &out);
  if (n <= 0) return crypto_error("CMS encoding");
  std::vector<uint8_t> der(out, out + n);
  OPENSSL_free(out);
  return der;
}

Expected<CmsContent> verify_cms(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return crypto_error("CMS parse");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out) return crypto_error("BIO_new");
  CmsContent c;
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  c.signer_count = signers ? static_cast<size_t>(sk_CMS_SignerInfo_num(signers)) : 0;
  if (CMS_verify(cms.get(), nullptr, nullptr, nullptr, out.get(), CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1)
    return Error{"P11-CMS-INVALID", crypto_error("CMS_verify").detail};
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  if (n < 0 || (n > 0 && !data)) return crypto_error("CMS content");
  if (n > 0) c.content.assign(data, static_cast<size_t>(n));
  if (c.signer_count > 0) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);
    c.nonce = attribute_text(si, kNonceAttributeOid);
    c.card_serial = attribute_text(si, kCardSerialAttributeOid);
    X509* signer = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, &signer, nullptr, nullptr);
    if (signer) {
      unsigned char* buf = nullptr;
      const int len = i2d_X509(signer, &buf);
      if (len > 0) c.signer_certificate.assign(buf, buf + len);
      OPENSSL_free(buf);
    }
  }
  return c;
}

}  // namespace certwiz::pkcs11

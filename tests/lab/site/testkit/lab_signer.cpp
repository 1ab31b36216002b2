#include "tests/lab/site/testkit/lab_signer.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace certwiz::site_testkit {
namespace {

struct Loaded {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::vector<X509*> chain;
  ~Loaded() {
    EVP_PKEY_free(key);
    X509_free(cert);
    for (X509* x : chain) X509_free(x);
  }
};

void load(const SignerFiles& f, Loaded& out) {
  BIO* b = BIO_new_file(f.key_pem.c_str(), "r");
  if (!b) throw std::runtime_error("cannot read " + f.key_pem);
  out.key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  b = BIO_new_file(f.cert_pem.c_str(), "r");
  if (!b) throw std::runtime_error("cannot read " + f.cert_pem);
  out.cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (!out.key || !out.cert) throw std::runtime_error("bad key or certificate: " + f.key_pem);
  if (!f.chain_pem.empty()) {
    b = BIO_new_file(f.chain_pem.c_str(), "r");
    if (!b) throw std::runtime_error("cannot read " + f.chain_pem);
    while (X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr)) out.chain.push_back(x);
    ERR_clear_error();
    BIO_free(b);
  }
}

void add_signer(CMS_ContentInfo* cms, Loaded& l, std::string_view nonce, const CmsShape& shape) {
  const unsigned flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | (shape.attach_cert ? 0 : CMS_NOCERTS);
  CMS_SignerInfo* si = CMS_add1_signer(cms, l.cert, l.key, EVP_sha256(), flags);
  if (!si) throw std::runtime_error("CMS_add1_signer failed");
  if (shape.with_nonce) {
    ASN1_OBJECT* oid = OBJ_txt2obj("1.2.840.113549.1.9.25.3", 1);
    const int ok = CMS_signed_add1_attr_by_OBJ(si, oid, V_ASN1_OCTET_STRING, nonce.data(), static_cast<int>(nonce.size()));
    ASN1_OBJECT_free(oid);
    if (!ok) throw std::runtime_error("cannot add the nonce attribute");
  }
}

}  // namespace

std::string sign_cms_base64(const SignerFiles& signer, std::string_view content, std::string_view nonce,
                            const CmsShape& shape) {
  Loaded first, second;
  load(signer, first);
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
      CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY | (shape.detached ? CMS_DETACHED : 0)),
      CMS_ContentInfo_free);
  if (!cms) throw std::runtime_error("CMS_sign failed");
  add_signer(cms.get(), first, nonce, shape);
  if (shape.second_signer) {
    load(*shape.second_signer, second);
    add_signer(cms.get(), second, nonce, shape);
  }
  if (shape.attach_chain)
    for (X509* x : first.chain) CMS_add1_cert(cms.get(), x);
  std::unique_ptr<BIO, decltype(&BIO_free)> data(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())), BIO_free);
  if (CMS_final(cms.get(), data.get(), nullptr, CMS_BINARY) != 1) throw std::runtime_error("CMS_final failed");
  unsigned char* der = nullptr;
  const int n = i2d_CMS_ContentInfo(cms.get(), &der);
  if (n <= 0) throw std::runtime_error("i2d_CMS_ContentInfo failed");
  std::string out(4 * ((static_cast<size_t>(n) + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), der, n);
  OPENSSL_free(der);
  out.resize(static_cast<size_t>(len));
  return out;
}

}  // namespace certwiz::site_testkit

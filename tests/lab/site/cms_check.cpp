#include "tests/lab/site/cms_check.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <memory>

#include "tests/lab/site/wire.h"

namespace certwiz::site_server {
namespace {

struct CmsFree {
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct CertsFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
struct ObjFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};

std::string der_of(X509* x) {
  unsigned char* p = nullptr;
  int n = i2d_X509(x, &p);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<char*>(p), static_cast<size_t>(n));
  OPENSSL_free(p);
  return out;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "no detail";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

std::variant<SignedAnswer, WireFailure> check_cms(std::string_view signature_base64, std::string_view tbs,
                                                  std::string_view nonce) {
  auto der = base64_decode(signature_base64);
  if (!der || der->empty()) return wire("SITE-CMS-MALFORMED", "signature is not base64");
  std::unique_ptr<BIO, BioFree> in(BIO_new_mem_buf(der->data(), static_cast<int>(der->size())));
  std::unique_ptr<CMS_ContentInfo, CmsFree> cms(d2i_CMS_bio(in.get(), nullptr));
  if (!cms) return wire("SITE-CMS-MALFORMED", "not a CMS structure: " + openssl_error());
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
    return wire("SITE-CMS-MALFORMED", "not SignedData");

  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  const int n_signers = signers ? sk_CMS_SignerInfo_num(signers) : 0;
  if (n_signers != 1) return wire("SITE-CMS-SIGNERS", std::to_string(n_signers) + " signers");
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);

  std::unique_ptr<STACK_OF(X509), CertsFree> certs(CMS_get1_certs(cms.get()));
  X509* signer = nullptr;
  SignedAnswer answer;
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    X509* x = sk_X509_value(certs.get(), i);
    if (!signer && CMS_SignerInfo_cert_cmp(si, x) == 0)
      signer = x;
    else
      answer.other_certs.push_back(der_of(x));
  }
  if (!signer) return wire("SITE-CMS-NO-CERT", "the signer's certificate is not in the CMS");
  answer.signer_der = der_of(signer);

  // The text must travel inside (attached): a detached signature says nothing about
  // which challenge it answers.
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (!content || !*content) return wire("SITE-CMS-CONTENT-MISMATCH", "no eContent (detached signature)");

  // The protocol's algorithms only: SHA-256 and RSA PKCS#1 v1.5 (a SHA-1 signature is
  // refused even when it verifies).
  X509_ALGOR *digest_alg = nullptr, *signature_alg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, &signature_alg);
  const ASN1_OBJECT* digest_oid = nullptr;
  const ASN1_OBJECT* signature_oid = nullptr;
  if (digest_alg) X509_ALGOR_get0(&digest_oid, nullptr, nullptr, digest_alg);
  if (signature_alg) X509_ALGOR_get0(&signature_oid, nullptr, nullptr, signature_alg);
  if (OBJ_obj2nid(digest_oid) != NID_sha256) return wire("SITE-CMS-MALFORMED", "digest algorithm is not SHA-256");
  const int sig_nid = OBJ_obj2nid(signature_oid);
  if (sig_nid != NID_rsaEncryption && sig_nid != NID_sha256WithRSAEncryption)
    return wire("SITE-CMS-MALFORMED", "signature algorithm is not RSA PKCS#1 v1.5 with SHA-256");
  // Signed attributes: contentType, messageDigest and signingTime, each once.
  for (int nid : {NID_pkcs9_contentType, NID_pkcs9_messageDigest, NID_pkcs9_signingTime}) {
    const int at = CMS_signed_get_attr_by_NID(si, nid, -1);
    if (at < 0 || CMS_signed_get_attr_by_NID(si, nid, at) >= 0)
      return wire("SITE-CMS-MALFORMED", std::string("signed attribute ") + OBJ_nid2sn(nid) + " missing or repeated");
  }

  // Signature and messageDigest against the attached content; the signer's chain is
  // judged separately (step 4), so no certificate verification here.
  if (CMS_verify(cms.get(), nullptr, nullptr, nullptr, nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1)
    return wire("SITE-CMS-MALFORMED", "signature does not verify: " + openssl_error());

  std::string_view econtent(reinterpret_cast<const char*>(ASN1_STRING_get0_data(*content)),
                            static_cast<size_t>(ASN1_STRING_length(*content)));
  if (econtent != tbs) return wire("SITE-CMS-CONTENT-MISMATCH", "eContent differs from the issued text");

  std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj(kNonceAttributeOid, 1));
  const int idx = CMS_signed_get_attr_by_OBJ(si, oid.get(), -1);
  if (idx < 0) return wire("SITE-CMS-CONTENT-MISMATCH", "no nonce attribute");
  if (CMS_signed_get_attr_by_OBJ(si, oid.get(), idx) >= 0)
    return wire("SITE-CMS-CONTENT-MISMATCH", "two nonce attributes");
  X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, idx);
  if (X509_ATTRIBUTE_count(attr) != 1) return wire("SITE-CMS-CONTENT-MISMATCH", "nonce attribute has not one value");
  ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(attr, 0);
  if (!t || (t->type != V_ASN1_OCTET_STRING && t->type != V_ASN1_PRINTABLESTRING && t->type != V_ASN1_UTF8STRING))
    return wire("SITE-CMS-CONTENT-MISMATCH", "nonce attribute is not a string");
  const ASN1_STRING* s = t->value.asn1_string;
  std::string_view got(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
  if (got != nonce) return wire("SITE-CMS-CONTENT-MISMATCH", "nonce attribute differs from the issued nonce");
  return answer;
}

}  // namespace certwiz::site_server

// Each function that calls OpenSSL is run with memory running out at its 1st, 2nd, 3rd ...
// allocation, until it runs through without a refusal. At every step it must answer an
// error with its code (or, where the refusal did not matter, the right answer): never
// crash, never a hash of nothing, never a cache name every URL shares.
// Each test needs a process of its own (ctest runs them so): some of OpenSSL's one-time
// initialisations that fail during a sweep stay failed for the rest of the process.
#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <functional>
#include <vector>

#include "checks/cert/revocation.h"
#include "checks/cert/trust_store.h"
#include "checks/pkcs11/cms.h"
#include "checks/report/redact.h"
#include "installer/download.h"
#include "tests/unit/openssl_faults/openssl_faults.h"

using namespace certwiz;

namespace {

constexpr long kMaxAllocations = 1000000;

// Runs `step` with every allocation after the first k refused, k = 0, 1, 2, ... until a
// run refuses nothing; the caller checks the answers afterwards (gtest itself must not run
// out of memory). Answers how many runs met a refusal.
long sweep(const std::function<void()>& step) {
  // Every point up to 500, then sparser (a chain check allocates tens of thousands of times).
  for (long k = 0; k < kMaxAllocations; k += 1 + k / 500) {
    certwiz::testing::arm_openssl_allocation_failure(k);
    step();
    certwiz::testing::disarm_openssl_allocation_failure();
    if (certwiz::testing::openssl_allocations_refused() == 0) return k;
  }
  ADD_FAILURE() << "still refusing allocations after " << kMaxAllocations << " runs";
  return kMaxAllocations;
}

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// A P-256 certificate for CN=`cn`, signed by `issuer` (self-signed when null).
struct Issued {
  std::shared_ptr<X509> cert;
  std::shared_ptr<EVP_PKEY> key;
  std::string der() const {
    unsigned char* out = nullptr;
    const int n = i2d_X509(cert.get(), &out);
    std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(n));
    OPENSSL_free(out);
    return s;
  }
  std::string pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_X509(b.get(), cert.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<size_t>(n));
  }
};

Issued make_cert(const std::string& cn, const Issued* issuer, bool ca) {
  static long serial = 1;
  Issued out;
  out.key.reset(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  out.cert.reset(X509_new(), &X509_free);
  X509* x = out.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_set_pubkey(x, out.key.get());
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer ? issuer->cert.get() : x, x, nullptr, nullptr, 0);
  const std::vector<std::pair<int, std::string>> exts = {
      {NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
      {NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"}};
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    EXPECT_NE(e, nullptr) << value;
    if (e) X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  EXPECT_GT(X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256()), 0);
  return out;
}

// A temporary folder for the file-hash test.
struct TempFolder {
  std::filesystem::path path;
  TempFolder() {
    std::string t = (std::filesystem::temp_directory_path() / "certwiz-faults-XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string sign(EVP_PKEY* key, const std::string& data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t n = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(data.data()), data.size()), 1);
  std::string sig(n, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()),
            1);
  sig.resize(n);
  return sig;
}

}  // namespace

TEST(OpenSslFaults, FileHashIsEmptyOrRightNeverWrong) {
  TempFolder dir;
  const std::string path = (dir.path / "pkg.bin").string();
  std::ofstream(path) << std::string(200000, 'x');
  const std::string right = installer::sha256_file(path);
  ASSERT_EQ(right.size(), 64u);
  std::vector<std::string> answers;
  const long runs = sweep([&] { answers.push_back(installer::sha256_file(path)); });
  EXPECT_GT(runs, 0) << "the sweep never reached OpenSSL";
  long empty = 0;
  for (const auto& a : answers) {
    EXPECT_TRUE(a.empty() || a == right) << "a hash that is neither the file's nor a failure: '" << a << "'";
    empty += a.empty();
  }
  EXPECT_GT(empty, 0) << "no refusal made the hash fail";
}

TEST(OpenSslFaults, SignatureCheckIsAnErrorWithItsCodeNeverACrash) {
  const Issued leaf = make_cert("fault test", nullptr, false);
  const std::string data = "CertWiz allocation fault test";
  const std::string sig = sign(leaf.key.get(), data);
  const auto cert = bytes(leaf.der()), d = bytes(data), s = bytes(sig);
  auto good = pkcs11::verify_sha256_rsa(cert, d, s);
  ASSERT_TRUE(good && *good);
  std::vector<Expected<bool>> answers;
  sweep([&] { answers.push_back(pkcs11::verify_sha256_rsa(cert, d, s)); });
  long errors = 0;
  for (const auto& a : answers)
    if (!a) {
      ++errors;
      EXPECT_EQ(a.error().code, "P11-CRYPTO-FAILED") << a.error().detail;
    }
  EXPECT_GT(errors, 0);
  EXPECT_TRUE(answers.back() && *answers.back()) << "the run without a refusal must verify";
}

TEST(OpenSslFaults, CmsCheckIsAnErrorWithItsCodeNeverACrash) {
  const Issued leaf = make_cert("fault test", nullptr, false);
  const std::string content = "tbs with nonce 1234";
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())), &BIO_free);
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
      CMS_sign(leaf.cert.get(), leaf.key.get(), nullptr, in.get(), CMS_BINARY), &CMS_ContentInfo_free);
  ASSERT_TRUE(cms);
  unsigned char* der = nullptr;
  const int n = i2d_CMS_ContentInfo(cms.get(), &der);
  ASSERT_GT(n, 0);
  const std::vector<uint8_t> cms_der(der, der + n);
  OPENSSL_free(der);
  ASSERT_TRUE(pkcs11::verify_cms(cms_der));
  std::vector<Expected<pkcs11::CmsContent>> answers;
  sweep([&] { answers.push_back(pkcs11::verify_cms(cms_der)); });
  for (const auto& a : answers) {
    if (a) EXPECT_EQ(a->content, content) << "a verified CMS with other content";
    else EXPECT_TRUE(a.error().code == "P11-CRYPTO-FAILED" || a.error().code == "P11-CMS-INVALID") << a.error().code;
  }
  ASSERT_TRUE(answers.back());
  EXPECT_EQ(answers.back()->content, content);
}

TEST(OpenSslFaults, ChainIsNeverTrustedWithAnErrorAndFailuresHaveCodes) {
  const Issued root = make_cert("Fault Root", nullptr, true);
  const Issued ca = make_cert("Fault CA", &root, true);
  const Issued leaf = make_cert("甲", &ca, false);
  cert::TrustStore store;
  ASSERT_TRUE(store.add_pem(root.pem(), true, "root").ok());
  const std::string leaf_der = leaf.der();
  const std::vector<std::string> intermediates{ca.der()};
  ASSERT_TRUE(store.build_chain(leaf_der, intermediates).trusted);
  std::vector<cert::ChainReport> answers;
  sweep([&] { answers.push_back(store.build_chain(leaf_der, intermediates)); });
  for (const auto& r : answers) {
    if (r.trusted) {
      EXPECT_FALSE(r.error.has_value());
      EXPECT_EQ(r.links.size(), 3u);
    } else {
      ASSERT_TRUE(r.error.has_value()) << "untrusted without a reason";
      EXPECT_FALSE(r.error->code.empty());
    }
  }
  EXPECT_TRUE(answers.back().trusted);
}

TEST(OpenSslFaults, CrlCacheNameIsNeverSharedByEveryUrl) {
  const std::string a = cert::crl_cache_path("/cache", "http://a.example/a.crl");
  const std::string b = cert::crl_cache_path("/cache", "http://b.example/b.crl");
  ASSERT_NE(a, b);
  std::vector<std::string> answers;
  sweep([&] { answers.push_back(cert::crl_cache_path("/cache", "http://a.example/a.crl")); });
  long empty = 0;
  for (const auto& p : answers) {
    EXPECT_TRUE(p.empty() || p == a) << "CRL cache name under a failed digest: " << p;
    empty += p.empty();
  }
  EXPECT_GT(empty, 0);
}

TEST(OpenSslFaults, RedactedSerialIsItsTokenOrHiddenNeverTheSerial) {
  report::Redactor redactor;
  // A different serial at every step: a digest left over from the step before (the same
  // stack slot) must not pass for this serial's token.
  const auto serial = [](std::size_t i) { return "4A:5B:00:00:00:00:00:00:00:00:00:" + std::to_string(1000 + i); };
  // The right tokens first: an OpenSSL initialisation refused during the sweep stays failed.
  std::vector<std::string> rights;
  for (std::size_t i = 0; i < 3000; ++i) rights.push_back(redactor.serial_token(serial(i)));
  std::vector<std::string> answers;
  const long runs = sweep([&] { answers.push_back(redactor.serial_token(serial(answers.size()))); });
  ASSERT_LE(answers.size(), rights.size());
  EXPECT_GT(runs, 0) << "the sweep never reached OpenSSL";
  long hidden = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const std::string& right = rights[i];
    ASSERT_EQ(right.size(), 9u);
    ASSERT_NE(right, "sn#??????");
    EXPECT_TRUE(answers[i] == right || answers[i] == "sn#??????")
        << "a token that is neither the serial's nor hidden: '" << answers[i] << "' for '" << right << "'";
    EXPECT_EQ(answers[i].find("4A5B"), std::string::npos);
    hidden += answers[i] == "sn#??????";
  }
  EXPECT_GT(hidden, 0) << "no refusal made the digest fail";
}

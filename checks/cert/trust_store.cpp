#include "checks/cert/trust_store.h"

#include <openssl/pem.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "assets/assets.h"
#include "checks/cert/ossl.h"

namespace certwiz::cert {

using namespace ossl;
namespace fs = std::filesystem;

struct TrustStore::Impl {
  std::vector<X509Ptr> anchor_x509, intermediate_x509;
  std::vector<CertInfo> anchors, intermediates;
  bool partial_chain = false;  // an explicit anchor is not self-signed
};

namespace {

const std::string kEmpty;

Error trust_error(std::string detail) { return Error{"CERT-TRUST-STORE", std::move(detail)}; }

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_time_error(int err) {
  return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID ||
         err == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD || err == X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD;
}

// The leaf's dates are reported by the validity check; chain building should still
// show where an expired leaf chains to. Every other error stops verification.
int verify_callback(int ok, X509_STORE_CTX* ctx) {
  if (ok) return 1;
  return X509_STORE_CTX_get_error_depth(ctx) == 0 && is_time_error(X509_STORE_CTX_get_error(ctx)) ? 1 : 0;
}

bool is_unknown_issuer(int err) {
  return err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN || err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
         err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE || err == X509_V_ERR_CERT_UNTRUSTED;
}

}  // namespace

const std::string& ChainReport::issuer_der() const { return chain_der.size() > 1 ? chain_der[1] : kEmpty; }

TrustStore::TrustStore() : impl_(std::make_shared<Impl>()) {}

Expected<size_t> TrustStore::add_pem(std::string_view pem, bool explicit_anchor, const std::string& origin) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  size_t added = 0;
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509Ptr x(raw);
    auto info = parse_certificate(i2d_cert(x.get()));
    if (!info) return trust_error(origin + ": " + info.error().detail);
    const bool self_signed = X509_self_signed(x.get(), 0) == 1;
    if (explicit_anchor || self_signed) {
      if (!self_signed) impl_->partial_chain = true;
      impl_->anchors.push_back(std::move(*info));
      impl_->anchor_x509.push_back(std::move(x));
    } else {
      impl_->intermediates.push_back(std::move(*info));
      impl_->intermediate_x509.push_back(std::move(x));
    }
    ++added;
  }
  ERR_clear_error();  // PEM_read_bio_X509 leaves "no start line" at the end of input
  if (!added) return trust_error(origin + ": no PEM certificate");
  return added;
}

Expected<size_t> TrustStore::add_pem_file(const std::string& path, bool explicit_anchor) {
  const auto text = read_file(path);
  if (!text) return trust_error("cannot read " + path);
  return add_pem(*text, explicit_anchor, path);
}

Expected<TrustStore> TrustStore::load(const std::vector<std::string>& extra_anchor_files, bool include_shipped) {
  TrustStore store;
  if (include_shipped) {
    const fs::path dir = asset_path("trust");
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".pem") files.push_back(e.path());
    if (ec || files.empty()) return trust_error("no shipped trust anchors in " + dir.string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (auto r = store.add_pem_file(f.string(), false); !r) return r.error();
  }
  for (const auto& f : extra_anchor_files)
    if (auto r = store.add_pem_file(f, true); !r) return r.error();
  return store;
}

Expected<TrustStore> TrustStore::from_anchor_files(const std::vector<std::string>& anchor_files) {
  if (anchor_files.empty()) return trust_error("no anchors given");
  return load(anchor_files, false);
}

const std::vector<CertInfo>& TrustStore::anchors() const { return impl_->anchors; }
const std::vector<CertInfo>& TrustStore::intermediates() const { return impl_->intermediates; }

X509_STORE* TrustStore::new_x509_store() const {
  // A store missing an anchor would report "unknown CA" for a good chain: all or nothing.
  StorePtr store(X509_STORE_new());
  if (!store) return nullptr;
  for (const auto& a : impl_->anchor_x509)
    if (X509_STORE_add_cert(store.get(), a.get()) != 1) return nullptr;
  if (impl_->partial_chain && X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) != 1) return nullptr;
  return store.release();
}

STACK_OF(X509) * TrustStore::new_intermediate_stack() const {
  X509StackPtr s(sk_X509_new_null());
  if (!s) return nullptr;
  for (const auto& i : impl_->intermediate_x509) {
    if (X509_up_ref(i.get()) != 1) return nullptr;
    if (sk_X509_push(s.get(), i.get()) <= 0) {
      X509_free(i.get());  // the reference just taken
      return nullptr;
    }
  }
  return s.release();
}

ChainReport TrustStore::build_chain(const std::string& leaf_der, const std::vector<std::string>& extra_intermediates,
                                    std::time_t at) const {
  ChainReport report;
  X509Ptr leaf = d2i_cert(leaf_der);
  if (!leaf) {
    report.error = Error{"CERT-MALFORMED", "leaf: " + last_error()};
    return report;
  }
  StorePtr store(new_x509_store());
  X509StackPtr untrusted(new_intermediate_stack());
  auto setup_failed = [&] {
    report.error = Error{"CERT-CRYPTO-FAILED", "cannot set up verification: " + last_error()};
    return report;
  };
  if (!store || !untrusted) return setup_failed();
  for (const auto& der : extra_intermediates) {
    // A damaged CA certificate on the card should not hide a chain the shipped set can build.
    if (X509Ptr x = d2i_cert(der)) {
      if (sk_X509_push(untrusted.get(), x.get()) <= 0) return setup_failed();
      x.release();  // owned by the stack now
    }
  }
  ERR_clear_error();
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) return setup_failed();
  X509_STORE_CTX_set_verify_cb(ctx.get(), &verify_callback);
  if (at) X509_STORE_CTX_set_time(ctx.get(), 0, at);
  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
    const X509* x = sk_X509_value(chain, i);
    std::string der = i2d_cert(x);
    ChainLink link;
    if (auto info = parse_certificate(der)) {
      link = {info->subject.text, info->subject_key_id, info->serial_hex, info->not_after, false};
    }
    report.links.push_back(std::move(link));
    report.chain_der.push_back(std::move(der));
  }
  if (ok == 1) {
    report.trusted = true;
    if (!report.links.empty()) report.links.back().anchor = true;
  } else {
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    std::string detail = std::string(X509_verify_cert_error_string(err)) + " (depth " + std::to_string(depth) + ")";
    report.error = Error{is_unknown_issuer(err) ? "CERT-UNKNOWN-CA" : "CERT-CHAIN-INVALID", std::move(detail)};
  }
  ERR_clear_error();
  return report;
}

}  // namespace certwiz::cert

#include "tests/lab/site/revocation.h"

#include <httplib.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

namespace certwiz::site_server {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, Free<OCSP_REQUEST, OCSP_REQUEST_free>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, Free<OCSP_RESPONSE, OCSP_RESPONSE_free>>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, Free<OCSP_BASICRESP, OCSP_BASICRESP_free>>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, Free<OCSP_CERTID, OCSP_CERTID_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Free<X509_CRL, X509_CRL_free>>;

RevocationAnswer answer(Revocation s, std::string detail) { return {s, std::move(detail)}; }

struct Url {
  std::string scheme_host_port, path;
};
std::optional<Url> split_url(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  const size_t slash = url.find('/', scheme + 3);
  Url u;
  u.scheme_host_port = url.substr(0, slash);
  u.path = slash == std::string::npos ? "/" : url.substr(slash);
  return u;
}

// One HTTP exchange; nullopt when there is no 200 answer.
std::optional<std::string> http_exchange(const std::string& url, const std::string* post_body, const char* content_type,
                                         std::chrono::seconds timeout, std::string& why) {
  auto u = split_url(url);
  if (!u) {
    why = "not a URL: " + url;
    return std::nullopt;
  }
  httplib::Client client(u->scheme_host_port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  auto res = post_body ? client.Post(u->path, *post_body, content_type) : client.Get(u->path);
  if (!res) {
    why = url + ": " + httplib::to_string(res.error());
    return std::nullopt;
  }
  if (res->status != 200) {
    why = url + ": HTTP " + std::to_string(res->status);
    return std::nullopt;
  }
  return res->body;
}

std::vector<std::string> uris_of(X509* cert, int nid) {
  std::vector<std::string> out;
  if (nid == NID_info_access) {
    auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr));
    for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); ++i) {
      ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia, i);
      if (OBJ_obj2nid(ad->method) == NID_ad_OCSP && ad->location->type == GEN_URI)
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier)),
                         static_cast<size_t>(ASN1_STRING_length(ad->location->d.uniformResourceIdentifier)));
    }
    AUTHORITY_INFO_ACCESS_free(aia);
  } else {
    auto* cdp = static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr));
    for (int i = 0; cdp && i < sk_DIST_POINT_num(cdp); ++i) {
      DIST_POINT* dp = sk_DIST_POINT_value(cdp, i);
      if (!dp->distpoint || dp->distpoint->type != 0) continue;
      GENERAL_NAMES* names = dp->distpoint->name.fullname;
      for (int k = 0; k < sk_GENERAL_NAME_num(names); ++k) {
        GENERAL_NAME* g = sk_GENERAL_NAME_value(names, k);
        if (g->type == GEN_URI)
          out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.uniformResourceIdentifier)),
                           static_cast<size_t>(ASN1_STRING_length(g->d.uniformResourceIdentifier)));
      }
    }
    CRL_DIST_POINTS_free(cdp);
  }
  return out;
}

CrlPtr parse_crl(const std::string& bytes) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
  CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
  if (crl) return crl;
  ERR_clear_error();
  std::unique_ptr<BIO, Free<BIO, BIO_free_all>> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return crl;
}

// The CRL still says something about now: its nextUpdate (when it has one) is ahead.
bool current(X509_CRL* crl) {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
  return !next || X509_cmp_current_time(next) > 0;
}

std::string cache_name(const std::string& url) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(url.data()), url.size(), md);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : md) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out + ".crl";
}

}  // namespace

RevocationAnswer RevocationChecker::check(X509* leaf, X509* issuer, X509_STORE* store) {
  std::string tried;
  if (config_.use_ocsp) {
    auto urls = config_.ocsp_urls.empty() ? uris_of(leaf, NID_info_access) : config_.ocsp_urls;
    for (const auto& url : urls) {
      RevocationAnswer a = ask_ocsp(url, leaf, issuer, store);
      if (a.state != Revocation::unknown) return a;
      tried += (tried.empty() ? "" : "; ") + a.detail;
    }
  }
  if (config_.use_crl) {
    auto urls = config_.crl_urls.empty() ? uris_of(leaf, NID_crl_distribution_points) : config_.crl_urls;
    for (const auto& url : urls) {
      RevocationAnswer a = read_crl(url, leaf, issuer);
      if (a.state != Revocation::unknown) return a;
      tried += (tried.empty() ? "" : "; ") + a.detail;
    }
  }
  return answer(Revocation::unknown, tried.empty() ? "no OCSP responder or CRL to ask" : tried);
}

RevocationAnswer RevocationChecker::ask_ocsp(const std::string& url, X509* leaf, X509* issuer, X509_STORE* store) {
  OcspCertIdPtr id(OCSP_cert_to_id(nullptr, leaf, issuer));
  OcspRequestPtr req(OCSP_REQUEST_new());
  if (!id || !req || !OCSP_request_add0_id(req.get(), OCSP_CERTID_dup(id.get())) ||
      !OCSP_request_add1_nonce(req.get(), nullptr, -1))
    return answer(Revocation::unknown, "OCSP: cannot build the request");
  unsigned char* der = nullptr;
  const int n = i2d_OCSP_REQUEST(req.get(), &der);
  if (n <= 0) return answer(Revocation::unknown, "OCSP: cannot encode the request");
  const std::string body(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  std::string why;
  auto got = http_exchange(url, &body, "application/ocsp-request", config_.ocsp_timeout, why);
  if (!got) return answer(Revocation::unknown, "OCSP " + why);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(got->data());
  OcspResponsePtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(got->size())));
  if (!resp || OCSP_response_status(resp.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL)
    return answer(Revocation::unknown, "OCSP " + url + ": no successful answer");
  OcspBasicPtr basic(OCSP_response_get1_basic(resp.get()));
  if (!basic) return answer(Revocation::unknown, "OCSP " + url + ": no basic answer");
  if (OCSP_check_nonce(req.get(), basic.get()) == 0) return answer(Revocation::unknown, "OCSP " + url + ": nonce differs");
  // The responder must be the issuer or carry the issuer's OCSP-signing delegation.
  STACK_OF(X509)* issuers = sk_X509_new_null();
  sk_X509_push(issuers, issuer);
  const int verified = OCSP_basic_verify(basic.get(), issuers, store, 0);
  sk_X509_free(issuers);
  if (verified <= 0) {
    ERR_clear_error();
    return answer(Revocation::unknown, "OCSP " + url + ": answer not signed by the issuer or its responder");
  }
  int status = 0, reason = 0;
  ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update, &next_update) != 1)
    return answer(Revocation::unknown, "OCSP " + url + ": no status for the certificate");
  if (OCSP_check_validity(this_update, next_update, 300, -1) != 1) {
    ERR_clear_error();
    return answer(Revocation::unknown, "OCSP " + url + ": answer out of date");
  }
  if (status == V_OCSP_CERTSTATUS_GOOD) return answer(Revocation::good, "OCSP good");
  if (status == V_OCSP_CERTSTATUS_REVOKED) return answer(Revocation::revoked, "OCSP revoked, reason " + std::to_string(reason));
  return answer(Revocation::unknown, "OCSP " + url + ": status unknown");
}

RevocationAnswer RevocationChecker::read_crl(const std::string& url, X509* leaf, X509* issuer) {
  std::lock_guard lock(crl_mu_);
  namespace fs = std::filesystem;
  CrlPtr crl;
  fs::path cached;
  if (!config_.cache_dir.empty()) {
    cached = fs::path(config_.cache_dir) / cache_name(url);
    std::ifstream in(cached, std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      crl = parse_crl(ss.str());
      if (crl && !current(crl.get())) crl.reset();
    }
  }
  if (!crl) {
    std::string why;
    auto got = http_exchange(url, nullptr, nullptr, config_.crl_timeout, why);
    if (!got) return answer(Revocation::unknown, "CRL " + why);
    crl = parse_crl(*got);
    if (!crl) return answer(Revocation::unknown, "CRL " + url + ": not a CRL");
    if (!cached.empty()) {
      std::error_code ec;
      fs::create_directories(cached.parent_path(), ec);
      const fs::path part = cached.string() + ".part";
      std::ofstream(part, std::ios::binary | std::ios::trunc) << *got;
      fs::rename(part, cached, ec);
    }
  }
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer)) != 0 ||
      X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer)) != 1) {
    ERR_clear_error();
    return answer(Revocation::unknown, "CRL " + url + ": not signed by the issuer");
  }
  if (!current(crl.get())) return answer(Revocation::unknown, "CRL " + url + ": past its nextUpdate");
  X509_REVOKED* entry = nullptr;
  if (X509_CRL_get0_by_cert(crl.get(), &entry, leaf) == 1) return answer(Revocation::revoked, "CRL revoked");
  return answer(Revocation::good, "CRL good");
}

}  // namespace certwiz::site_server

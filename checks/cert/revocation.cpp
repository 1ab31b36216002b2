#include "checks/cert/revocation.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "checks/cert/ossl.h"
#include "checks/core/platform.h"
#include "checks/net/http.h"

namespace certwiz::cert {

using namespace ossl;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// A CRL without nextUpdate is trusted for this long after its thisUpdate; so is an
// OCSP answer without nextUpdate (RFC 5019 responders usually set it).
constexpr long kNoNextUpdateMaxAgeSeconds = 24 * 3600;

struct Answer {
  RevocationState state = RevocationState::unknown;
  std::time_t revoked_at = 0, this_update = 0, next_update = 0;
  std::string reason;
  std::string outcome;  // why there is no answer, when unknown
};

// A responder or a CRL host: plain HTTP by design (RFC 5019); redirects stay on HTTP(S).
// Proxy: explicit, else the environment's.
net::HttpRequest revocation_request(const std::string& url, const RevocationOptions& o,
                                    std::chrono::milliseconds timeout, std::uint64_t max_bytes) {
  net::HttpRequest r;
  r.url = url;
  r.proxy = o.proxy;
  r.timeout = timeout;
  r.connect_timeout = std::min<std::chrono::milliseconds>(timeout, std::chrono::seconds(10));
  r.max_redirects = 3;
  r.user_agent = "certwiz";
  r.max_body = max_bytes;
  r.cancel = &o.cancel;
  return r;
}

// Why an exchange brought no answer, as a result's detail says it.
std::string unreachable(const std::string& url, const net::HttpResponse& r, std::uint64_t max_bytes) {
  const std::string why = r.failure == net::HttpFailure::too_large
                              ? "answer larger than " + std::to_string(max_bytes) + " bytes"
                              : r.error;
  return "unreachable: " + url + ": " + why;
}

// Writes the CRL at `url` to `path`; answers why not (only a 200 answer counts).
std::optional<std::string> download_crl(const std::string& url, const std::string& path, const RevocationOptions& o) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) return "unreachable: cannot write " + path;
  net::HttpRequest get = revocation_request(url, o, o.crl_timeout, o.max_crl_bytes);
  get.on_head = [](const net::HttpResponse& head) { return head.status == 200; };
  get.on_data = [&](std::string_view bytes) { return std::fwrite(bytes.data(), 1, bytes.size(), file.get()) == bytes.size(); };
  const net::HttpResponse got = net::http_request(get);
  if (got.status != 200 && (got.ok() || got.failure == net::HttpFailure::stopped))
    return "unreachable: " + url + ": HTTP " + std::to_string(got.status);
  if (got.failure == net::HttpFailure::stopped || std::fflush(file.get()) != 0) return "unreachable: cannot write " + path;
  if (!got.ok()) return unreachable(url, got, o.max_crl_bytes);
  return std::nullopt;
}

std::string reason_text(long reason) {
  if (reason < 0) return "unspecified";
  const char* s = OCSP_crl_reason_str(reason);
  return s && std::strcmp(s, "(UNKNOWN)") != 0 ? s : "reason " + std::to_string(reason);
}

Answer ocsp_query(const std::string& url, X509* leaf, X509* issuer, const std::vector<std::string>& chain_der,
                  const TrustStore& trust, const RevocationOptions& o) {
  Answer a;
  OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), leaf, issuer));
  OcspRequestPtr req(OCSP_REQUEST_new());
  OcspCertIdPtr request_id(id ? OCSP_CERTID_dup(id.get()) : nullptr);
  if (!id || !req || !request_id || !OCSP_request_add0_id(req.get(), request_id.get())) {
    a.outcome = "cannot build request: " + last_error();
    return a;
  }
  request_id.release();  // owned by the request now
  if (OCSP_request_add1_nonce(req.get(), nullptr, -1) != 1) {
    a.outcome = "cannot build request: " + last_error();
    return a;
  }
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_REQUEST(req.get(), &der);
  if (len <= 0) {
    a.outcome = "cannot encode request: " + last_error();
    return a;
  }
  const std::string body(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);

  constexpr std::uint64_t kMaxOcspAnswer = 1 << 20;
  net::HttpRequest post = revocation_request(url, o, o.ocsp_timeout, kMaxOcspAnswer);
  post.method = "POST";
  post.body = body;
  post.headers = {"Content-Type: application/ocsp-request"};
  const net::HttpResponse reply = net::http_request(post);
  if (!reply.ok()) {
    a.outcome = unreachable(url, reply, kMaxOcspAnswer);
    return a;
  }
  if (reply.status != 200) {
    a.outcome = "HTTP " + std::to_string(reply.status);
    return a;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(reply.body.data());
  OcspResponsePtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(reply.body.size())));
  if (!resp) {
    a.outcome = "malformed OCSP response";
    ERR_clear_error();
    return a;
  }
  if (const int st = OCSP_response_status(resp.get()); st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    a.outcome = std::string("responder says ") + OCSP_response_status_str(st);
    return a;
  }
  OcspBasicPtr basic(OCSP_response_get1_basic(resp.get()));
  if (!basic) {
    a.outcome = "no basic OCSP response";
    return a;
  }
  // 1: nonce echoed; -1: responder sent none (pre-computed answers, RFC 5019) and
  // freshness then rests on thisUpdate; 0: a different nonce, a replayed answer.
  if (OCSP_check_nonce(req.get(), basic.get()) == 0) {
    a.outcome = "nonce mismatch (replayed response?)";
    return a;
  }
  StorePtr store(trust.new_x509_store());
  X509StackPtr untrusted(sk_X509_new_null());
  if (!store || !untrusted) {
    a.outcome = "cannot set up verification: " + last_error();
    return a;
  }
  for (size_t i = 1; i < chain_der.size(); ++i)
    if (X509Ptr x = d2i_cert(chain_der[i])) {
      if (sk_X509_push(untrusted.get(), x.get()) <= 0) {
        a.outcome = "cannot set up verification: " + last_error();
        return a;
      }
      x.release();  // owned by the stack now
    }
  if (OCSP_basic_verify(basic.get(), untrusted.get(), store.get(), 0) <= 0) {
    a.outcome = "response signature does not verify: " + last_error();
    return a;
  }
  int status = -1, reason = -1;
  ASN1_GENERALIZEDTIME *revtime = nullptr, *thisupd = nullptr, *nextupd = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revtime, &thisupd, &nextupd) != 1) {
    a.outcome = "response does not cover this certificate";
    return a;
  }
  if (OCSP_check_validity(thisupd, nextupd, static_cast<long>(o.leeway.count()),
                          nextupd ? -1 : kNoNextUpdateMaxAgeSeconds) != 1) {
    ERR_clear_error();
    a.outcome = "stale or future-dated response";
    return a;
  }
  a.this_update = to_time_t(thisupd);
  a.next_update = to_time_t(nextupd);
  if (status == V_OCSP_CERTSTATUS_GOOD) {
    a.state = RevocationState::good;
    a.outcome = "good";
  } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
    a.state = RevocationState::revoked;
    a.revoked_at = to_time_t(revtime);
    a.reason = reason_text(reason);
    a.outcome = "revoked";
  } else {
    a.outcome = "responder does not know the certificate";
  }
  return a;
}

// Maps the file instead of reading it: a 20 MB CRL is then decoded from the page
// cache, not copied into a second buffer first.
X509CrlPtr load_crl(const std::string& path, std::string& why) {
  const MappedFile map(path);
  switch (map.status()) {
    case MappedFile::Status::ok: break;
    case MappedFile::Status::cannot_open: why = "cannot open " + path; return nullptr;
    case MappedFile::Status::empty: why = "empty CRL"; return nullptr;
    case MappedFile::Status::cannot_map: why = "cannot map " + path; return nullptr;
  }
  const size_t size = map.size();
  const unsigned char* p = map.data();
  X509CrlPtr crl;
  if (size > 10 && std::memcmp(p, "-----BEGIN", 10) == 0) {
    BioPtr bio(BIO_new_mem_buf(p, static_cast<int>(size)));
    if (bio) crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    else why = "cannot read the CRL (BIO_new_mem_buf): " + last_error();
  } else {
    crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(size)));
  }
  if (!crl && why.empty()) why = "malformed CRL: " + last_error();
  ERR_clear_error();
  return crl;
}

bool crl_signed_by(X509_CRL* crl, X509* issuer, std::string& why) {
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
    why = "CRL issuer is not the certificate's issuer";
    return false;
  }
  if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) && !(X509_get_key_usage(issuer) & KU_CRL_SIGN)) {
    why = "issuer may not sign CRLs (keyUsage)";
    return false;
  }
  // Same-DN CA generations mean a name match is not enough: the signature decides.
  if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
    ERR_clear_error();
    why = "CRL signature does not verify with the issuer's key";
    return false;
  }
  return true;
}

bool crl_fresh(X509_CRL* crl, std::time_t now, std::chrono::seconds leeway) {
  const std::time_t this_update = to_time_t(X509_CRL_get0_lastUpdate(crl));
  const std::time_t next_update = to_time_t(X509_CRL_get0_nextUpdate(crl));
  if (this_update > now + leeway.count()) return false;
  if (next_update) return now < next_update;
  return now - this_update < kNoNextUpdateMaxAgeSeconds;
}

Answer crl_lookup(X509_CRL* crl, X509* leaf, bool fresh) {
  Answer a;
  a.this_update = to_time_t(X509_CRL_get0_lastUpdate(crl));
  a.next_update = to_time_t(X509_CRL_get0_nextUpdate(crl));
  X509_REVOKED* rev = nullptr;
  const int found = X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(leaf));
  if (found == 1 && rev) {
    int crit = 0;
    long reason = -1;
    if (auto* e = static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, nullptr))) {
      reason = ASN1_ENUMERATED_get(e);
      ASN1_ENUMERATED_free(e);
    }
    // A revocation does not expire with its list, except a hold, which may be lifted.
    if (fresh || reason != OCSP_REVOKED_STATUS_CERTIFICATEHOLD) {
      a.state = RevocationState::revoked;
      a.revoked_at = to_time_t(X509_REVOKED_get0_revocationDate(rev));
      a.reason = reason_text(reason);
      a.outcome = fresh ? "revoked" : "revoked (listed on an outdated CRL)";
      return a;
    }
  }
  if (fresh) {
    a.state = RevocationState::good;
    a.outcome = "good";
  } else {
    a.outcome = "CRL outdated (nextUpdate " + iso8601_utc(a.next_update) + ") and no newer one available";
  }
  return a;
}

std::shared_ptr<std::mutex> lock_for(const std::string& path) {
  static std::mutex m;
  static std::map<std::string, std::shared_ptr<std::mutex>> locks;
  std::lock_guard g(m);
  auto& l = locks[path];
  if (!l) l = std::make_shared<std::mutex>();
  return l;
}

Answer crl_query(const std::string& url, X509* leaf, X509* issuer, const RevocationOptions& o, bool& from_cache) {
  Answer a;
  const std::string dir = o.cache_dir.empty() ? default_crl_cache_dir() : o.cache_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string path = crl_cache_path(dir, url);
  if (path.empty()) {
    a.outcome = "cannot name the CRL cache file (SHA-256 failed): " + last_error();
    return a;
  }
  // SIGN and KEYX certificates share a CRL and are checked in parallel: one download.
  const auto lock = lock_for(path);
  std::lock_guard guard(*lock);
  const std::time_t now = std::time(nullptr);

  std::string why;
  X509CrlPtr cached;
  if (fs::exists(path, ec)) {
    cached = load_crl(path, why);
    if (cached && !crl_signed_by(cached.get(), issuer, why)) cached.reset();
    if (cached && crl_fresh(cached.get(), now, o.leeway)) {
      from_cache = true;
      return crl_lookup(cached.get(), leaf, true);
    }
  }

  // Download next to the cache file and rename into place, so a reader never sees a
  // half-written CRL and an interrupted download never replaces a good one.
  const std::optional<std::string> created = create_unique_file(path);
  if (!created) {
    a.outcome = "cannot write to the CRL cache " + dir;
    return a;
  }
  const std::string part = *created;
  // Streamed straight to the file: CRLs reach 20 MB and are never held in memory as raw bytes.
  X509CrlPtr fresh_crl;
  if (const std::optional<std::string> failed = download_crl(url, part, o)) {
    why = *failed;
  } else if ((fresh_crl = load_crl(part, why)) && crl_signed_by(fresh_crl.get(), issuer, why)) {
    fs::rename(part, path, ec);
  } else {
    fresh_crl.reset();
  }
  fs::remove(part, ec);

  if (fresh_crl) {
    if (crl_fresh(fresh_crl.get(), now, o.leeway)) return crl_lookup(fresh_crl.get(), leaf, true);
    return crl_lookup(fresh_crl.get(), leaf, false);
  }
  if (cached) {
    from_cache = true;
    Answer stale = crl_lookup(cached.get(), leaf, false);
    if (stale.state == RevocationState::unknown) stale.outcome += "; download failed: " + why;
    return stale;
  }
  a.outcome = why;
  return a;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

std::string_view revocation_state_name(RevocationState s) {
  switch (s) {
    case RevocationState::good: return "good";
    case RevocationState::revoked: return "revoked";
    case RevocationState::unknown: break;
  }
  return "unknown";
}

std::string RevocationReport::detail() const {
  std::string out;
  for (const auto& a : attempts) {
    if (!out.empty()) out += "; ";
    out += a.method + " " + a.url + ": " + a.outcome + (a.from_cache ? " (cached)" : "");
  }
  return out.empty() ? "no OCSP responder or CRL distribution point in the certificate" : out;
}

std::string default_crl_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/certwiz/crl";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/certwiz/crl";
  return (fs::temp_directory_path() / "certwiz-crl").string();
}

std::string crl_cache_path(const std::string& cache_dir, const std::string& url) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  // Without the digest every URL would share one file name: no name at all instead.
  if (EVP_Digest(url.data(), url.size(), md, &n, EVP_sha256(), nullptr) != 1) return {};
  std::string hex;
  static const char* digits = "0123456789abcdef";
  for (unsigned int i = 0; i < n; ++i) {
    hex += digits[md[i] >> 4];
    hex += digits[md[i] & 15];
  }
  return cache_dir + "/" + hex + ".crl";
}

RevocationReport check_revocation(const std::vector<std::string>& chain_der, const TrustStore& trust,
                                  const RevocationOptions& o) {
  RevocationReport r;
  if (chain_der.size() < 2) {
    r.attempts.push_back({"", "", "the issuing CA is unknown, so its OCSP answers and CRLs cannot be verified"});
    return r;
  }
  X509Ptr leaf = d2i_cert(chain_der[0]);
  X509Ptr issuer = d2i_cert(chain_der[1]);
  auto info = parse_certificate(chain_der[0]);
  if (!leaf || !issuer || !info) {
    ERR_clear_error();
    r.attempts.push_back({"", "", "certificate cannot be decoded"});
    return r;
  }
  auto take = [&r](const Answer& a, const std::string& method) {
    r.state = a.state;
    r.method = method;
    r.revoked_at = a.revoked_at;
    r.reason = a.reason;
    r.this_update = a.this_update;
    r.next_update = a.next_update;
  };
  if (o.use_ocsp) {
    for (const auto& url : o.ocsp_urls.empty() ? info->ocsp_urls : o.ocsp_urls) {
      if (o.cancel.cancelled()) break;
      const auto t0 = Clock::now();
      const Answer a = ocsp_query(url, leaf.get(), issuer.get(), chain_der, trust, o);
      r.attempts.push_back({"ocsp", url, a.outcome, false, ms_since(t0)});
      if (a.state != RevocationState::unknown) {
        take(a, "ocsp");
        return r;
      }
    }
  }
  if (o.use_crl) {
    for (const auto& url : o.crl_urls.empty() ? info->crl_urls : o.crl_urls) {
      if (o.cancel.cancelled()) break;
      const auto t0 = Clock::now();
      bool from_cache = false;
      const Answer a = crl_query(url, leaf.get(), issuer.get(), o, from_cache);
      r.attempts.push_back({"crl", url, a.outcome, from_cache, ms_since(t0)});
      if (a.state != RevocationState::unknown) {
        take(a, "crl");
        return r;
      }
    }
  }
  return r;
}

}  // namespace certwiz::cert

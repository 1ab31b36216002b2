#pragma once
// A throwaway PKI made at test time with the OpenSSL API (keys never leave the temp
// directory and are never committed): roots, CAs, card leaves with the Taiwan GPKI
// identity extension, CRLs, and `openssl ocsp` responders / a CRL web server on loopback.
#include <atomic>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace certwiz::cert::testing {

namespace fs = std::filesystem;

struct Issued {
  std::shared_ptr<X509> cert;
  std::shared_ptr<EVP_PKEY> key;
  std::string der() const;
  std::string pem() const;
  std::string serial_hex() const;
};

struct NameEntry {
  std::string type, value;
  bool bmp = false;  // encode as BMPString (as some CAs do) instead of UTF8String
};

struct CertSpec {
  std::vector<NameEntry> subject;
  long not_before_days = -1;  // relative to now
  long not_after_days = 365;
  bool ca = false;
  std::string key_usage;  // e.g. "critical,digitalSignature,nonRepudiation"; empty → none
  std::vector<std::string> policies;
  std::vector<std::pair<std::string, std::string>> directory_attributes;  // OID, PrintableString value
  std::vector<std::string> ocsp_urls, crl_urls;
  long serial = 0;  // 0 → random
};

// A temp directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Issued make_cert(const CertSpec& spec, const Issued* issuer, std::shared_ptr<EVP_PKEY> key = nullptr);
std::shared_ptr<EVP_PKEY> make_key();
std::string write_file(const fs::path& path, const std::string& content);
std::string key_pem(const EVP_PKEY* key);

struct RevokedEntry {
  std::string serial_hex;
  std::time_t when;
  int reason;  // CRL reason code, -1 for none
};
// DER CRL signed by `issuer`, thisUpdate/nextUpdate relative to now in hours.
std::string make_crl(const Issued& issuer, const std::vector<RevokedEntry>& revoked, long this_update_hours,
                     long next_update_hours);

// A free TCP port on 127.0.0.1 (nothing listens on it when this returns).
int free_port();

// Serves fixed bodies on 127.0.0.1 and counts requests per path.
class WebServer {
 public:
  WebServer();
  ~WebServer();
  void put(const std::string& path, std::string body);
  int requests(const std::string& path) const;
  std::string url(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `openssl ocsp` as a responder for the certificates of `ca`, answering from an
// index of {serial, revoked?}; signed by `signer` (normally the CA itself).
class OcspResponder {
 public:
  struct Entry {
    const Issued* cert;
    bool revoked = false;
    std::time_t revoked_at = 0;
    std::string reason;  // "keyCompromise", ...
  };
  // `port` from free_port(), chosen before the leaves are issued (their AIA names it).
  OcspResponder(const fs::path& dir, int port, const Issued& ca, const Issued& signer, const std::vector<Entry>& entries);
  ~OcspResponder();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  bool running() const { return pid_ > 0; }

 private:
  int port_ = 0;
  int pid_ = -1;
};

}  // namespace certwiz::cert::testing

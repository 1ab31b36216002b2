#pragma once
// HTTPS downloads over the one HTTP transport (checks/net/http.h): progress (bytes,
// total, rate, ETA), cancellation, resume with HTTP Range from a .part file (If-Range
// with the ETag or Last-Modified kept next to it in .part.json, so a file changed on the
// server is fetched anew), retries with backoff for transient failures, connect and
// low-speed timeouts, proxy, TLS verification always on.
// The SHA-256 is computed while bytes arrive. On resume the bytes already in the
// .part file are hashed once when it is reopened (a pass over the partial file only;
// the digest state is not persisted because OpenSSL offers no portable way to
// serialise an EVP_MD_CTX).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "checks/core/cancel.h"
#include "checks/core/log.h"
#include "checks/core/result.h"

namespace certwiz::installer {

struct TransferProgress {
  std::uint64_t bytes = 0;    // in the file so far, including resumed bytes
  std::uint64_t total = 0;    // 0 when unknown
  double bytes_per_second = 0;
  double eta_seconds = -1;    // < 0 when unknown
  std::uint64_t resumed_from = 0;
  int attempt = 1;
};

struct DownloadOptions {
  std::string proxy;          // explicit proxy URL; empty → the environment's https_proxy/no_proxy
  std::string ca_file;        // extra trust only through this explicit PEM file
  std::chrono::milliseconds connect_timeout{15000};
  long low_speed_limit = 512;                   // bytes per second ...
  std::chrono::seconds low_speed_time{30};      // ... for this long → stalled
  int max_attempts = 4;                         // first try included
  std::chrono::milliseconds retry_base_delay{1000};  // doubles each retry, capped at 30 s
  std::uint64_t max_bytes = std::uint64_t{1} << 30;  // when the manifest gives no size
  std::function<void(const TransferProgress&)> on_progress;  // called from the downloading thread
  CancelToken cancel;
  Log* log = nullptr;
};

struct DownloadedFile {
  std::string path;
  std::string sha256;  // lowercase hex of the whole file
  std::uint64_t size = 0;
  std::uint64_t resumed_from = 0;  // bytes reused from an earlier .part file
  int attempts = 0;
  std::string tls_subject;  // the download server's certificate (last connection), "" when none was made
  std::string tls_issuer;
  Json evidence() const;
};

// Downloads `url` to `dest` (through `dest`.part). When `expected_sha256` is given and
// does not match, the file is deleted: INSTALL-HASH-MISMATCH. An interrupted or
// cancelled download keeps its .part for the next call to resume.
Expected<DownloadedFile> download_file(const std::string& url, const std::string& dest,
                                       const DownloadOptions& options,
                                       std::optional<std::uint64_t> expected_size = std::nullopt,
                                       const std::string& expected_sha256 = {});

// Small documents (the manifest) into memory, same TLS and retry rules.
Expected<std::string> fetch_text(const std::string& url, const DownloadOptions& options,
                                 std::uint64_t max_bytes = 4u << 20);

// "https://..." only; INSTALL-URL-NOT-HTTPS otherwise.
std::optional<Error> require_https(const std::string& url);

// SHA-256 of a file in lowercase hex (empty when unreadable or when OpenSSL fails).
std::string sha256_file(const std::string& path);

}  // namespace certwiz::installer

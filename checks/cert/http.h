#pragma once
// The two HTTP exchanges revocation checking needs, over libcurl: an OCSP POST and a
// CRL download streamed straight to a file (CRLs reach 20 MB; they are never held in
// memory as raw bytes). Proxy: explicit, else libcurl's reading of the environment.
#include <chrono>
#include <cstdint>
#include <string>

#include "checks/core/cancel.h"
#include "checks/core/result.h"

namespace certwiz::cert {

struct HttpOptions {
  std::string proxy;  // empty → http_proxy / HTTPS_PROXY / no_proxy from the environment
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};  // whole transfer
  uint64_t max_bytes = 1 << 20;
  CancelToken cancel;
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

struct HttpDownload {
  long status = 0;
  uint64_t bytes = 0;
};

// Errors carry code CERT-REVOCATION-UNKNOWN and a one-line detail (curl's message).
Expected<HttpResponse> http_post(const std::string& url, const std::string& body, const std::string& content_type,
                                 const HttpOptions& options);
// Writes the body to `path` (created or truncated); only a 200 answer counts as success.
Expected<HttpDownload> http_download(const std::string& url, const std::string& path, const HttpOptions& options);

}  // namespace certwiz::cert

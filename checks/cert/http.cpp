#include "checks/cert/http.h"

#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <mutex>

namespace certwiz::cert {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body = nullptr;
  std::FILE* file = nullptr;
  uint64_t written = 0;
  uint64_t max_bytes = 0;
  bool too_big = false;
};

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->written + n > sink->max_bytes) {
    sink->too_big = true;
    return 0;  // aborts the transfer
  }
  if (sink->file) {
    if (std::fwrite(data, 1, n, sink->file) != n) return 0;
  } else {
    sink->body->append(data, n);
  }
  sink->written += n;
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const CancelToken*>(user)->cancelled() ? 1 : 0;
}

using CurlPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

CurlPtr make_handle(const std::string& url, const HttpOptions& o, Sink& sink, char* errbuf) {
  global_init();
  CurlPtr h(curl_easy_init(), &curl_easy_cleanup);
  if (!h) return h;
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // Responders and CRL hosts are plain HTTP by design (RFC 5019); redirects stay on HTTP(S).
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // checks run on worker threads
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_bytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "certwiz");
  if (!o.proxy.empty()) curl_easy_setopt(c, CURLOPT_PROXY, o.proxy.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &o.cancel);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  return h;
}

Error transfer_error(const std::string& url, CURLcode rc, const char* errbuf, const Sink& sink) {
  const bool too_big = sink.too_big || rc == CURLE_FILESIZE_EXCEEDED;
  std::string why = too_big ? "answer larger than " + std::to_string(sink.max_bytes) + " bytes"
                                 : (errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc)));
  return Error{"CERT-REVOCATION-UNKNOWN", url + ": " + why};
}

}  // namespace

Expected<HttpResponse> http_post(const std::string& url, const std::string& body, const std::string& content_type,
                                 const HttpOptions& options) {
  HttpResponse out;
  Sink sink{&out.body, nullptr, 0, options.max_bytes, false};
  char errbuf[CURL_ERROR_SIZE] = {};
  CurlPtr h = make_handle(url, options, sink, errbuf);
  if (!h) return Error{"CERT-REVOCATION-UNKNOWN", "curl_easy_init failed"};
  curl_easy_setopt(h.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  const std::string header = "Content-Type: " + content_type;
  curl_slist* headers = curl_slist_append(nullptr, header.c_str());
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(h.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) return transfer_error(url, rc, errbuf, sink);
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &out.status);
  char* ct = nullptr;
  if (curl_easy_getinfo(h.get(), CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) out.content_type = ct;
  return out;
}

Expected<HttpDownload> http_download(const std::string& url, const std::string& path, const HttpOptions& options) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) return Error{"CERT-REVOCATION-UNKNOWN", "cannot write " + path};
  Sink sink{nullptr, file.get(), 0, options.max_bytes, false};
  char errbuf[CURL_ERROR_SIZE] = {};
  CurlPtr h = make_handle(url, options, sink, errbuf);
  if (!h) return Error{"CERT-REVOCATION-UNKNOWN", "curl_easy_init failed"};
  const CURLcode rc = curl_easy_perform(h.get());
  if (rc != CURLE_OK) return transfer_error(url, rc, errbuf, sink);
  HttpDownload out;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &out.status);
  out.bytes = sink.written;
  if (std::fflush(file.get()) != 0) return Error{"CERT-REVOCATION-UNKNOWN", "cannot write " + path};
  if (out.status != 200) return Error{"CERT-REVOCATION-UNKNOWN", url + ": HTTP " + std::to_string(out.status)};
  return out;
}

}  // namespace certwiz::cert

#include "checks/net/http.h"

#include <curl/curl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "checks/core/secret.h"

namespace certwiz::net {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One exchange's state, shared by libcurl's callbacks.
struct Exchange {
  const HttpRequest* req;
  HttpResponse* resp;
  CURL* curl;
  bool head_delivered = false;
  bool stopped = false;   // on_head or on_data said stop
  bool overflow = false;  // the body passed max_body
};

// The final answer's head, once: its status, headers and what it did with a Range.
bool deliver_head(Exchange& x) {
  if (x.head_delivered) return !x.stopped;
  x.head_delivered = true;
  HttpResponse& r = *x.resp;
  curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &r.status);
  if (x.req->resume_from > 0) {
    if (r.status == 206) {
      // "Content-Range: bytes 100-599/600": joined only when it starts where asked.
      const auto range = r.headers.find("content-range");
      const auto bytes = range == r.headers.end() ? std::string::npos : range->second.find("bytes");
      const bool here = bytes != std::string::npos &&
                        std::strtoull(range->second.c_str() + bytes + 5, nullptr, 10) == x.req->resume_from;
      r.resume = here ? ResumeVerdict::honoured : ResumeVerdict::other_range;
    } else if (r.status >= 200 && r.status < 300) {
      r.resume = ResumeVerdict::whole_body;
    }
  }
  if (x.req->on_head && !x.req->on_head(r)) x.stopped = true;
  return !x.stopped;
}

size_t on_body(char* p, size_t size, size_t n, void* user) {
  auto& x = *static_cast<Exchange*>(user);
  const size_t len = size * n;
  if (!deliver_head(x)) return 0;
  if (x.resp->body_bytes + len > x.req->max_body) {
    x.overflow = true;
    return 0;
  }
  if (x.req->on_data) {
    if (!x.req->on_data(std::string_view(p, len))) {
      x.stopped = true;
      return 0;
    }
  } else {
    x.resp->body.append(p, len);
  }
  x.resp->body_bytes += len;
  return len;
}

size_t on_header(char* p, size_t size, size_t n, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  std::string_view line(p, size * n);
  // A new status line starts another answer (proxy CONNECT, 100-continue, a redirect):
  // only the final answer's headers and cookies count.
  if (line.starts_with("HTTP/")) {
    resp->set_cookies.clear();
    resp->headers.clear();
  }
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    if (name == "set-cookie") resp->set_cookies.emplace_back(value);
    resp->headers[name] = std::string(value);
  }
  return size * n;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  const auto& x = *static_cast<const Exchange*>(user);
  if (x.req->cancel && x.req->cancel->cancelled()) return 1;
  if (x.req->on_progress)
    x.req->on_progress(HttpProgress{static_cast<std::uint64_t>(dlnow), static_cast<std::uint64_t>(dltotal)});
  return 0;
}

// A multipart part's data read straight from the caller's buffer: curl_mime_data would
// keep a copy curl frees without wiping.
struct PartReader {
  std::string_view data;
  size_t pos = 0;
};

size_t read_part(char* buffer, size_t size, size_t n, void* arg) {
  auto* r = static_cast<PartReader*>(arg);
  const size_t len = std::min(size * n, r->data.size() - r->pos);
  std::memcpy(buffer, r->data.data() + r->pos, len);
  r->pos += len;
  return len;
}

int seek_part(void* arg, curl_off_t offset, int origin) {
  auto* r = static_cast<PartReader*>(arg);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > r->data.size()) return CURL_SEEKFUNC_CANTSEEK;
  r->pos = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

HttpFailure classify(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return HttpFailure::dns;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PROXY: return HttpFailure::proxy;
    case CURLE_COULDNT_CONNECT: return HttpFailure::refused;
    case CURLE_OPERATION_TIMEDOUT: return HttpFailure::timeout;
    case CURLE_PEER_FAILED_VERIFICATION: return HttpFailure::tls_verify;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_CACERT_BADFILE: return HttpFailure::tls_handshake;
    case CURLE_FILESIZE_EXCEEDED: return HttpFailure::too_large;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_RANGE_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return HttpFailure::interrupted;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS: return HttpFailure::bad_url;
    case CURLE_ABORTED_BY_CALLBACK: return HttpFailure::cancelled;
    default: return HttpFailure::other;
  }
}

// The server certificate's subject and issuer as libcurl saw them (CURLOPT_CERTINFO).
void read_peer_certificate(CURL* curl, HttpResponse& resp) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1) return;
  for (curl_slist* field = info->certinfo[0]; field; field = field->next) {
    const std::string_view f(field->data);
    if (f.starts_with("Subject:")) resp.peer_subject = std::string(f.substr(8));
    else if (f.starts_with("Issuer:")) resp.peer_issuer = std::string(f.substr(7));
  }
}

}  // namespace

std::string_view failure_name(HttpFailure f) {
  switch (f) {
    case HttpFailure::none: return "none";
    case HttpFailure::dns: return "dns";
    case HttpFailure::refused: return "refused";
    case HttpFailure::timeout: return "timeout";
    case HttpFailure::stalled: return "stalled";
    case HttpFailure::tls_verify: return "tls_verify";
    case HttpFailure::tls_handshake: return "tls_handshake";
    case HttpFailure::proxy: return "proxy";
    case HttpFailure::too_large: return "too_large";
    case HttpFailure::interrupted: return "interrupted";
    case HttpFailure::cancelled: return "cancelled";
    case HttpFailure::stopped: return "stopped";
    case HttpFailure::bad_url: return "bad_url";
    case HttpFailure::other: return "other";
  }
  return "other";
}

HttpResponse http_request(const HttpRequest& req) {
  global_init();
  HttpResponse resp;
  if (req.resume_from > 0) resp.resume = ResumeVerdict::not_answered;
  CURL* curl = curl_easy_init();
  if (!curl) {
    resp.failure = HttpFailure::other;
    resp.error = "curl_easy_init failed";
    return resp;
  }
  Exchange exchange{&req, &resp, curl};
  curl_slist* headers = nullptr;
  for (const auto& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  if (req.resume_from > 0 && !req.if_range.empty())
    headers = curl_slist_append(headers, ("If-Range: " + req.if_range).c_str());
  char errbuf[CURL_ERROR_SIZE] = {0};
  const char* protocols = req.https_only ? "https" : "http,https";
  // CURLOPT_RANGE rather than RESUME_FROM: libcurl fails a resume the server ignores
  // (CURLE_RANGE_ERROR) before the caller could take the whole body instead.
  const std::string range = std::to_string(req.resume_from) + "-";

  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // requests run on worker threads
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  if (req.stall_bytes_per_second > 0 && req.stall_time.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, req.stall_bytes_per_second);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.stall_time.count()));
  }
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_body));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
  if (req.max_redirects > 0) {
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  }
  if (!req.user_agent.empty()) curl_easy_setopt(curl, CURLOPT_USERAGENT, req.user_agent.c_str());
  if (req.peer_certificate) curl_easy_setopt(curl, CURLOPT_CERTINFO, 1L);
  if (req.resume_from > 0) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  if (!req.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(req.ca_pem.data()), req.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  } else if (!req.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, req.ca_file.c_str());
  }
  if (req.proxy == "direct") curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  else if (!req.proxy.empty()) curl_easy_setopt(curl, CURLOPT_PROXY, req.proxy.c_str());
  if (!req.cookie_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_COOKIEFILE, req.cookie_file.c_str());
    curl_easy_setopt(curl, CURLOPT_COOKIEJAR, req.cookie_file.c_str());
  }
  if (headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_mime* mime = nullptr;
  std::vector<PartReader> readers(req.parts.size());  // sized once: the parts point into it
  if (!req.parts.empty()) {
    mime = curl_mime_init(curl);
    for (size_t i = 0; i < req.parts.size(); ++i) {
      const HttpPart& p = req.parts[i];
      readers[i].data = p.data;
      curl_mimepart* part = curl_mime_addpart(mime);
      curl_mime_name(part, p.name.c_str());
      curl_mime_data_cb(part, static_cast<curl_off_t>(p.data.size()), read_part, seek_part, nullptr, &readers[i]);
      if (!p.file_name.empty()) curl_mime_filename(part, p.file_name.c_str());
      if (!p.content_type.empty()) curl_mime_type(part, p.content_type.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
  } else if (req.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (!req.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
  }
  if (req.cancel || req.on_progress) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }

  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp.status);
  double total = 0;
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &total);
  resp.total_ms = total * 1000.0;
  // An answer without a body still has its head shown to the caller.
  if (rc == CURLE_OK && !deliver_head(exchange)) {
    resp.failure = HttpFailure::stopped;
    resp.error = "stopped after the answer's head";
  }
  if (rc != CURLE_OK) {
    resp.failure = exchange.overflow ? HttpFailure::too_large : exchange.stopped ? HttpFailure::stopped : classify(rc);
    resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    // The stall limit also ends in CURLE_OPERATION_TIMEDOUT: it is the stall when the
    // server had answered and the total limit (if any) was not reached.
    const bool stall_limit = req.stall_bytes_per_second > 0 && req.stall_time.count() > 0;
    if (resp.timed_out && stall_limit && resp.status != 0 &&
        (req.timeout.count() == 0 || resp.total_ms < static_cast<double>(req.timeout.count())))
      resp.failure = HttpFailure::stalled;
    curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &resp.proxy_status);
    const bool via_proxy = !req.proxy.empty() && req.proxy != "direct";
    // The proxy's fault, not the site's: it refused the tunnel, could not be connected
    // to, or (for HTTPS, which asks it for a tunnel) the time ran out before it answered.
    if (resp.proxy_status >= 400) resp.failure = HttpFailure::proxy;
    if (via_proxy && rc == CURLE_COULDNT_CONNECT) resp.failure = HttpFailure::proxy;
    if (via_proxy && resp.timed_out && resp.proxy_status == 0 && req.url.starts_with("https://"))
      resp.failure = HttpFailure::proxy;
    if (rc == CURLE_PEER_FAILED_VERIFICATION) {
      // A trusted chain with the wrong name is curl's own check ("...subject name matches
      // target host name..."); libcurl leaves no separate code for it.
      long verify = 0;
      curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify);
      const std::string_view msg(errbuf);
      resp.tls_name_mismatch = verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH ||
                               msg.find("host name") != std::string_view::npos ||
                               msg.find("hostname") != std::string_view::npos;
    }
    resp.ca_unusable = rc == CURLE_SSL_CACERT_BADFILE;
    resp.error = hide_url_credentials(errbuf[0] ? errbuf : curl_easy_strerror(rc));
  }
  if (req.peer_certificate) read_peer_certificate(curl, resp);
  char* ip = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip) resp.primary_ip = ip;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  curl_mime_free(mime);  // after the handle, as curl's documentation orders
  return resp;
}

std::string form_encode(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  form_encode_append(out, s);
  return out;
}

void form_encode_append(std::string& out, std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
}

}  // namespace certwiz::net

#include "installer/download.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>

#include "certwiz_version.h"
#include "installer/disk_full.h"
#include "installer/process.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Every OpenSSL call is checked: a failed allocation or digest step marks the hash
// failed, and a failed hash is never reported as the file's SHA-256 (hex() is then empty).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { reset(); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void reset() { failed_ = !ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1; }
  void update(const void* p, size_t n) {
    if (!failed_ && EVP_DigestUpdate(ctx_, p, n) != 1) failed_ = true;
  }
  bool failed() const { return failed_; }
  std::string hex() const {
    if (failed_) return {};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> copy(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_) != 1 || EVP_DigestFinal_ex(copy.get(), md, &len) != 1) {
      ERR_clear_error();
      return {};
    }
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
      s += digits[md[i] >> 4];
      s += digits[md[i] & 15];
    }
    return s;
  }

 private:
  EVP_MD_CTX* ctx_;
  bool failed_ = false;
};

// What identifies the server's version of the file: a later Range request is only
// joined to the bytes already here when the server still has that version (If-Range).
struct Validators {
  std::string etag, last_modified;
  bool empty() const { return etag.empty() && last_modified.empty(); }
  // The If-Range value: a strong ETag, else the date (a weak ETag may not be used there).
  std::string if_range() const {
    if (!etag.empty() && etag.rfind("W/", 0) != 0) return etag;
    return last_modified;
  }
  // True when both name a version and the versions differ.
  bool differs_from(const Validators& o) const {
    if (!etag.empty() && !o.etag.empty()) return etag != o.etag;
    if (!last_modified.empty() && !o.last_modified.empty()) return last_modified != o.last_modified;
    return false;
  }
};

// Where the bytes go: a .part file or memory. Hashes as it writes.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual bool append(const char* p, size_t n) = 0;  // false on a write error (errno kept)
  virtual bool restart() = 0;                         // the server ignored Range: start over
  virtual std::uint64_t size() const = 0;
  // Called when a fresh copy of the file starts arriving, before its first byte is kept.
  virtual bool keep_validators() { return true; }
  Sha256 hash;
  Validators validators;  // of the bytes in the sink
  bool started_over = false;  // the bytes it began with were dropped
  int write_errno = 0;
};

class FileSink : public Sink {
 public:
  FileSink(std::string path, std::function<bool(const Validators&)> persist)
      : path_(std::move(path)), persist_(std::move(persist)) {}
  ~FileSink() override { close(); }
  // Opens for append; hashes what is already there (the resume pass).
  bool open() {
    f_ = std::fopen(path_.c_str(), "ab+");
    if (!f_) {
      write_errno = errno;
      return false;
    }
    std::rewind(f_);
    std::vector<char> buf(1 << 16);
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f_)) > 0) {
      hash.update(buf.data(), n);
      size_ += n;
    }
    std::fseek(f_, 0, SEEK_END);
    return true;
  }
  bool append(const char* p, size_t n) override {
    if (std::fwrite(p, 1, n, f_) != n) {
      write_errno = errno ? errno : EIO;
      return false;
    }
    hash.update(p, n);
    size_ += n;
    return true;
  }
  bool restart() override {
    std::fflush(f_);
    if (std::freopen(path_.c_str(), "wb+", f_) == nullptr) {
      f_ = nullptr;
      write_errno = errno;
      return false;
    }
    hash.reset();
    size_ = 0;
    started_over = true;
    return true;
  }
  std::uint64_t size() const override { return size_; }
  bool keep_validators() override { return !persist_ || persist_(validators); }
  bool flush_close() {
    if (!f_) return false;
    const bool ok = std::fflush(f_) == 0 && std::ferror(f_) == 0;
    if (!ok) write_errno = errno ? errno : EIO;
    const bool closed = std::fclose(f_) == 0;
    if (!closed && ok) write_errno = errno;
    f_ = nullptr;
    return ok && closed;
  }
  void close() {
    if (f_) std::fclose(f_);
    f_ = nullptr;
  }

 private:
  std::string path_;
  std::function<bool(const Validators&)> persist_;
  std::FILE* f_ = nullptr;
  std::uint64_t size_ = 0;
};

class MemorySink : public Sink {
 public:
  bool append(const char* p, size_t n) override {
    data.append(p, n);
    hash.update(p, n);
    return true;
  }
  bool restart() override {
    data.clear();
    hash.reset();
    return true;
  }
  std::uint64_t size() const override { return data.size(); }
  std::string data;
};

struct Attempt {
  Sink* sink = nullptr;
  const DownloadOptions* options = nullptr;
  CURL* curl = nullptr;
  std::uint64_t limit = 0;         // abort when the file would grow past this
  std::uint64_t start_size = 0;    // bytes in the sink when this attempt began (Range start)
  std::uint64_t known_total = 0;   // from the manifest, 0 when unknown
  bool first_write = true;
  bool too_large = false;
  bool write_failed = false;
  bool range_ignored = false;
  bool version_changed = false;   // a 206 answer for another version of the file, or another range
  long content_range_start = -1;
  Validators seen;                // of this response
  int attempt_no = 1;
  std::uint64_t resumed_from = 0;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_report{};
};

size_t on_header(char* buffer, size_t size, size_t nitems, void* user) {
  auto* a = static_cast<Attempt*>(user);
  const size_t n = size * nitems;
  std::string_view line(buffer, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or 100 Continue)
    a->content_range_start = -1;
    a->seen = {};
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string key(line.substr(0, colon));
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  if (key == "content-range") {
    const auto bytes = value.find("bytes");
    if (bytes != std::string_view::npos)
      a->content_range_start = std::strtol(std::string(value.substr(bytes + 5)).c_str(), nullptr, 10);
  } else if (key == "etag") {
    a->seen.etag = std::string(value);
  } else if (key == "last-modified") {
    a->seen.last_modified = std::string(value);
  }
  return n;
}

size_t on_write(char* data, size_t size, size_t nmemb, void* user) {
  auto* a = static_cast<Attempt*>(user);
  const size_t n = size * nmemb;
  if (a->first_write) {
    a->first_write = false;
    long code = 0;
    curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &code);
    if (a->start_size > 0 && code == 206 &&
        (a->content_range_start != static_cast<long>(a->start_size) || a->sink->validators.differs_from(a->seen))) {
      // Another range, or the rest of another version of the file: these bytes cannot
      // be joined to the .part. Start over from zero on the next attempt.
      a->version_changed = true;
      if (!a->sink->restart()) a->write_failed = true;
      return 0;
    }
    if (a->start_size > 0 && code != 206) {
      // The whole file (Range ignored, or If-Range said the file changed): start over with it.
      a->range_ignored = true;
      if (!a->sink->restart()) {
        a->write_failed = true;
        return 0;
      }
      a->start_size = 0;
    }
    if (a->sink->size() == 0) {
      a->sink->validators = a->seen;
      if (!a->sink->keep_validators()) {
        a->write_failed = true;
        return 0;
      }
    }
  }
  if (a->sink->size() + n > a->limit) {
    a->too_large = true;
    return 0;
  }
  if (!a->sink->append(data, n)) {
    a->write_failed = true;
    return 0;
  }
  crash_if_asked("download");
  return n;
}

int on_xferinfo(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* a = static_cast<Attempt*>(user);
  if (a->options->cancel.cancelled()) return 1;
  if (!a->options->on_progress) return 0;
  const auto now = std::chrono::steady_clock::now();
  if (now - a->last_report < std::chrono::milliseconds(100) && (dltotal == 0 || dlnow < dltotal)) return 0;
  a->last_report = now;
  TransferProgress p;
  p.bytes = a->start_size + static_cast<std::uint64_t>(dlnow);
  p.total = a->known_total ? a->known_total
                           : (dltotal > 0 ? a->start_size + static_cast<std::uint64_t>(dltotal) : 0);
  const double secs = std::chrono::duration<double>(now - a->t0).count();
  p.bytes_per_second = secs > 0.05 ? static_cast<double>(dlnow) / secs : 0;
  if (p.total > 0 && p.bytes_per_second > 0 && p.total >= p.bytes)
    p.eta_seconds = static_cast<double>(p.total - p.bytes) / p.bytes_per_second;
  p.resumed_from = a->resumed_from;
  p.attempt = a->attempt_no;
  a->options->on_progress(p);
  return 0;
}

struct Outcome {
  std::optional<Error> error;  // empty on success
  bool transient = false;      // worth another attempt
};

Outcome classify(CURLcode rc, const Attempt& a, CURL* curl, const char* errbuf, const std::string& url) {
  if (rc == CURLE_OK) return {};
  std::string detail = std::string(curl_easy_strerror(rc));
  if (errbuf[0]) detail += ": " + std::string(errbuf);
  detail += " (" + url + ")";
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  auto fail = [&](const char* code, bool transient = false) { return Outcome{Error{code, detail}, transient}; };
  switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
      return fail("INSTALL-CANCELLED");
    case CURLE_WRITE_ERROR:
      if (a.too_large) return fail("INSTALL-DOWNLOAD-TOO-LARGE");
      if (a.version_changed && !a.write_failed) {
        detail = "the file on the server changed since the partial download; starting over (" + url + ")";
        return fail("INSTALL-DOWNLOAD-INTERRUPTED", true);
      }
      detail += std::string(": ") + std::strerror(a.sink->write_errno);
      if (is_disk_full(a.sink->write_errno))
        return fail("INSTALL-DISK-FULL");
      return fail("INSTALL-WRITE-FAILED");
    case CURLE_FILESIZE_EXCEEDED:
      return fail("INSTALL-DOWNLOAD-TOO-LARGE");
    case CURLE_HTTP_RETURNED_ERROR:
      detail = "HTTP " + std::to_string(http) + " (" + url + ")";
      if (http == 404 || http == 410) return fail("INSTALL-DOWNLOAD-NOT-FOUND");
      if (http == 416) return fail("INSTALL-DOWNLOAD-HTTP-ERROR", true);  // stale .part: restarted
      if (http >= 500 || http == 408 || http == 429) return fail("INSTALL-DOWNLOAD-HTTP-ERROR", true);
      return fail("INSTALL-DOWNLOAD-HTTP-ERROR");
    case CURLE_OPERATION_TIMEDOUT: {
      if (http == 0 && a.sink->size() == a.start_size) return fail("INSTALL-DOWNLOAD-CONNECT", true);
      return fail("INSTALL-DOWNLOAD-STALLED", true);
    }
    case CURLE_COULDNT_CONNECT:
      return fail("INSTALL-DOWNLOAD-CONNECT", true);
    case CURLE_COULDNT_RESOLVE_HOST:
      return fail("INSTALL-DOWNLOAD-CONNECT");
    case CURLE_COULDNT_RESOLVE_PROXY:
      return fail("INSTALL-DOWNLOAD-PROXY");
    case CURLE_PEER_FAILED_VERIFICATION: {
      long verify = 0;
      curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify);
      // A trusted chain with the wrong name is curl's own check ("...subject name matches
      // target host name..."); libcurl leaves no separate code for it.
      const std::string_view msg(errbuf);
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH ||
          msg.find("host name") != std::string_view::npos || msg.find("hostname") != std::string_view::npos)
        return fail("INSTALL-TLS-HOSTNAME");
      return fail("INSTALL-TLS-UNTRUSTED");
    }
    case CURLE_SSL_CACERT_BADFILE:
      return fail("INSTALL-CACERT-UNREADABLE");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
      return fail("INSTALL-TLS-ERROR");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_TOO_MANY_REDIRECTS:
      return fail("INSTALL-URL-NOT-HTTPS");
    case CURLE_RANGE_ERROR:  // not asked for (CURLOPT_RANGE, not RESUME_FROM): kept as a transient fault
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      if (long connect_code = 0; curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &connect_code) == CURLE_OK &&
                                 connect_code != 0 && connect_code != 200)
        return fail("INSTALL-DOWNLOAD-PROXY");
      return fail("INSTALL-DOWNLOAD-INTERRUPTED", true);
    default:
      return fail("INSTALL-DOWNLOAD-CONNECT");
  }
}

void log_line(const DownloadOptions& o, Log::Level level, const std::string& m) {
  if (o.log) o.log->write(level, "installer", m);
}

struct TlsPeer {
  std::string subject, issuer;
};

// The server certificate's subject and issuer as libcurl saw them (CURLOPT_CERTINFO).
void read_tls_peer(CURL* c, TlsPeer& peer) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1) return;
  for (curl_slist* field = info->certinfo[0]; field; field = field->next) {
    const std::string_view f(field->data);
    if (f.rfind("Subject:", 0) == 0) peer.subject = std::string(f.substr(8));
    else if (f.rfind("Issuer:", 0) == 0) peer.issuer = std::string(f.substr(7));
  }
}

// Runs attempts until success, a permanent failure, cancellation or the attempt limit.
// The sink keeps what earlier attempts received, so each retry resumes with Range, as
// long as the server still has the same version of the file: If-Range with the saved
// validator; without one, only when `resume_without_validator` (a pinned hash will
// catch a file joined from two versions).
std::optional<Error> transfer(const std::string& url, Sink& sink, const DownloadOptions& o,
                              std::uint64_t limit, std::uint64_t known_total, std::uint64_t resumed_from,
                              bool resume_without_validator, TlsPeer& peer, int& attempts_out) {
  global_init();
  if (auto e = require_https(url)) return e;
  if (!o.ca_file.empty()) {
    std::ifstream f(o.ca_file);
    if (!f) return Error{"INSTALL-CACERT-UNREADABLE", o.ca_file};
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Error{"INSTALL-DOWNLOAD-CONNECT", "curl_easy_init failed"};
  const int max_attempts = std::max(1, o.max_attempts);
  std::optional<Error> last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    attempts_out = attempt;
    if (o.cancel.cancelled()) return Error{"INSTALL-CANCELLED", "before attempt " + std::to_string(attempt)};
    // A .part that already holds the whole file (an earlier run died before renaming it).
    if (known_total > 0 && sink.size() == known_total) return std::nullopt;
    if (sink.size() > 0 && sink.validators.if_range().empty() && !resume_without_validator) {
      // Nothing tells whether the server's file is still the one these bytes came from.
      log_line(o, Log::Level::info, "no ETag or Last-Modified for the partial download: starting " + url + " over");
      if (!sink.restart()) return Error{"INSTALL-WRITE-FAILED", std::strerror(sink.write_errno)};
    }
    CURL* c = curl.get();
    curl_easy_reset(c);
    Attempt a;
    a.sink = &sink;
    a.options = &o;
    a.curl = c;
    a.limit = limit;
    a.start_size = sink.size();
    a.known_total = known_total;
    a.attempt_no = attempt;
    a.resumed_from = resumed_from;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.proxy.empty()) curl_easy_setopt(c, CURLOPT_PROXY, o.proxy.c_str());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "CertWiz/" CERTWIZ_VERSION);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_limit);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.low_speed_time.count()));
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limit));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_xferinfo);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &a);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    // CURLOPT_RANGE rather than RESUME_FROM: libcurl fails a resume the server ignores
    // (CURLE_RANGE_ERROR) before the write callback could start the file over.
    const std::string range = std::to_string(a.start_size) + "-";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, &curl_slist_free_all);
    if (a.start_size > 0) {
      curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
      if (const std::string v = sink.validators.if_range(); !v.empty()) {
        headers.reset(curl_slist_append(nullptr, ("If-Range: " + v).c_str()));
        if (!headers) return Error{"INSTALL-WRITE-FAILED", "out of memory"};
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
      }
      log_line(o, Log::Level::info, "resuming " + url + " from byte " + std::to_string(a.start_size));
    }
    const CURLcode rc = curl_easy_perform(c);
    read_tls_peer(c, peer);
    if (rc == CURLE_OK && a.start_size > 0 && a.first_write) {
      // Nothing came back for a Range request: only fine when the file was already whole.
      long code = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
      if (code != 206 && !sink.restart()) return Error{"INSTALL-WRITE-FAILED", std::strerror(sink.write_errno)};
      if (code != 206) {
        last = Error{"INSTALL-DOWNLOAD-INTERRUPTED", "empty answer to a Range request"};
        continue;
      }
    }
    Outcome out = classify(rc, a, c, errbuf, url);
    if (!out.error) {
      if (o.on_progress) {
        TransferProgress p;
        p.bytes = p.total = sink.size();
        p.eta_seconds = 0;
        p.resumed_from = resumed_from;
        p.attempt = attempt;
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - a.t0).count();
        p.bytes_per_second = secs > 0 ? static_cast<double>(sink.size() - a.start_size) / secs : 0;
        o.on_progress(p);
      }
      return std::nullopt;
    }
    if (out.error->code == "INSTALL-CANCELLED" && !o.cancel.cancelled()) out.error->code = "INSTALL-DOWNLOAD-CONNECT";
    long http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
    if ((http == 416 || rc == CURLE_RANGE_ERROR) && !sink.restart())
      return Error{"INSTALL-WRITE-FAILED", std::strerror(sink.write_errno)};
    log_line(o, Log::Level::warn,
             "attempt " + std::to_string(attempt) + " failed: " + out.error->code + " " + out.error->detail);
    last = out.error;
    if (!out.transient) return last;
    if (attempt == max_attempts) break;
    const auto delay = std::min<std::chrono::milliseconds>(o.retry_base_delay * (1LL << std::min(attempt - 1, 10)),
                                                           std::chrono::milliseconds(30000));
    if (o.cancel.wait_for(delay)) return Error{"INSTALL-CANCELLED", "during retry backoff"};
  }
  if (last) last->detail += " (after " + std::to_string(max_attempts) + " attempts)";
  return last;
}

}  // namespace

Json DownloadedFile::evidence() const {
  Json j{{"path", path}, {"sha256", sha256}, {"size", size}, {"resumed_from", resumed_from}, {"attempts", attempts}};
  if (!tls_subject.empty()) j["tls_subject"] = tls_subject;
  if (!tls_issuer.empty()) j["tls_issuer"] = tls_issuer;
  return j;
}

std::optional<Error> require_https(const std::string& url) {
  if (url.size() > 8 && (url.compare(0, 8, "https://") == 0 || url.compare(0, 8, "HTTPS://") == 0)) return std::nullopt;
  return Error{"INSTALL-URL-NOT-HTTPS", url};
}

std::string sha256_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (f.gcount() > 0) h.update(buf.data(), static_cast<size_t>(f.gcount()));
  }
  if (f.bad()) return {};
  return h.hex();
}

Expected<DownloadedFile> download_file(const std::string& url, const std::string& dest, const DownloadOptions& o,
                                       std::optional<std::uint64_t> expected_size,
                                       const std::string& expected_sha256) {
  if (auto e = require_https(url)) return *e;
  const std::string part = dest + ".part";
  const std::string meta = dest + ".part.json";
  std::error_code ec;
  fs::create_directories(fs::path(dest).parent_path(), ec);
  // A .part is only resumed for the same address and the same expected file; its
  // validators (ETag, Last-Modified) say which version of the server's file it holds.
  Validators saved;
  {
    bool keep = false;
    std::ifstream mf(meta);
    if (mf) {
      Json j = Json::parse(mf, nullptr, false);
      keep = !j.is_discarded() && j.is_object() && j.value("url", "") == url && j.value("sha256", "") == expected_sha256;
      if (keep) {
        saved.etag = j.value("etag", "");
        saved.last_modified = j.value("last_modified", "");
      }
    }
    if (!keep) fs::remove(part, ec);
    if (expected_size && fs::exists(part, ec) && fs::file_size(part, ec) > *expected_size) fs::remove(part, ec);
  }
  auto write_meta = [&](const Validators& v) {
    // Through a temporary and rename: a crash leaves the old validators or the new, never half.
    const std::string tmp = meta + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << Json{{"url", url}, {"sha256", expected_sha256}, {"etag", v.etag}, {"last_modified", v.last_modified}}.dump();
      out.flush();
      if (!out) return false;
    }
    std::error_code e;
    fs::rename(tmp, meta, e);
    return !e;
  };
  if (!write_meta(saved)) return Error{"INSTALL-WRITE-FAILED", "cannot write " + meta};
  FileSink sink(part, write_meta);
  if (!sink.open()) {
    const int err = sink.write_errno;
    return Error{is_disk_full(err) ? "INSTALL-DISK-FULL" : "INSTALL-WRITE-FAILED",
                 part + ": " + std::strerror(err)};
  }
  sink.validators = saved;
  DownloadedFile d;
  d.resumed_from = sink.size();
  const std::uint64_t limit = expected_size ? *expected_size : o.max_bytes;
  TlsPeer peer;
  auto err = transfer(url, sink, o, limit, expected_size.value_or(0), d.resumed_from, !expected_sha256.empty(), peer,
                      d.attempts);
  const std::uint64_t got = sink.size();
  d.sha256 = sink.hash.hex();
  if (sink.started_over) d.resumed_from = 0;
  d.tls_subject = peer.subject;
  d.tls_issuer = peer.issuer;
  if (!err && d.sha256.empty()) err = Error{"INSTALL-DIGEST-FAILED", "SHA-256 of " + part};
  const bool flushed = sink.flush_close();
  if (!err && !flushed) {
    const int e = sink.write_errno;
    err = Error{is_disk_full(e) ? "INSTALL-DISK-FULL" : "INSTALL-WRITE-FAILED",
                part + ": " + std::strerror(e)};
  }
  auto discard = [&] {
    fs::remove(part, ec);
    fs::remove(meta, ec);
  };
  if (err) {
    // Keep the partial file for a later resume, except when it can never help.
    if (err->code == "INSTALL-DOWNLOAD-NOT-FOUND" || err->code == "INSTALL-DOWNLOAD-TOO-LARGE" ||
        err->code == "INSTALL-URL-NOT-HTTPS")
      discard();
    return *err;
  }
  if (expected_size && got != *expected_size) {
    discard();
    return Error{"INSTALL-SIZE-MISMATCH",
                 "expected " + std::to_string(*expected_size) + " bytes, got " + std::to_string(got) + "; file deleted"};
  }
  if (!expected_sha256.empty() && d.sha256 != expected_sha256) {
    discard();
    return Error{"INSTALL-HASH-MISMATCH",
                 "expected sha256 " + expected_sha256 + ", got " + d.sha256 + "; file " + part + " deleted"};
  }
  fs::rename(part, dest, ec);
  if (ec) return Error{"INSTALL-WRITE-FAILED", "rename " + part + ": " + ec.message()};
  fs::remove(meta, ec);
  d.path = dest;
  d.size = got;
  return d;
}

Expected<std::string> fetch_text(const std::string& url, const DownloadOptions& o, std::uint64_t max_bytes) {
  MemorySink sink;
  int attempts = 0;
  TlsPeer peer;
  if (auto err = transfer(url, sink, o, max_bytes, 0, 0, false, peer, attempts)) return *err;
  return std::move(sink.data);
}

}  // namespace certwiz::installer

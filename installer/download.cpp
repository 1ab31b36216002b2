#include "installer/download.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "certwiz_version.h"
#include "checks/net/http.h"
#include "installer/disk_full.h"
#include "installer/process.h"

namespace certwiz::installer {
namespace fs = std::filesystem;

namespace {

std::string header(const net::HttpResponse& r, const std::string& name) {
  const auto h = r.headers.find(name);
  return h == r.headers.end() ? std::string() : h->second;
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

// One attempt's state: what the callbacks saw, for classify().
struct Attempt {
  Sink* sink = nullptr;
  const DownloadOptions* options = nullptr;
  std::uint64_t limit = 0;         // abort when the file would grow past this
  std::uint64_t start_size = 0;    // bytes in the sink when this attempt began (Range start)
  std::uint64_t known_total = 0;   // from the manifest, 0 when unknown
  bool too_large = false;
  bool write_failed = false;
  bool version_changed = false;   // a 206 answer for another version of the file, or another range
  int attempt_no = 1;
  std::uint64_t resumed_from = 0;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_report{};
};

// The final answer's head: an error page is not kept, and bytes that cannot be joined to
// the .part (another range, another version of the file) are not either.
bool on_head(Attempt& a, const net::HttpResponse& head) {
  if (head.status >= 400) return false;
  if (a.start_size > 0) {
    const Validators seen{header(head, "etag"), header(head, "last-modified")};
    if (head.resume == net::ResumeVerdict::other_range ||
        (head.resume == net::ResumeVerdict::honoured && a.sink->validators.differs_from(seen))) {
      // Start over from zero on the next attempt.
      a.version_changed = true;
      if (!a.sink->restart()) a.write_failed = true;
      return false;
    }
    if (head.resume != net::ResumeVerdict::honoured) {
      // The whole file (Range ignored, or If-Range said the file changed): start over with it.
      if (!a.sink->restart()) {
        a.write_failed = true;
        return false;
      }
      a.start_size = 0;
    }
  }
  if (a.sink->size() == 0) {
    a.sink->validators = {header(head, "etag"), header(head, "last-modified")};
    if (!a.sink->keep_validators()) {
      a.write_failed = true;
      return false;
    }
  }
  return true;
}

bool on_data(Attempt& a, std::string_view bytes) {
  if (a.sink->size() + bytes.size() > a.limit) {
    a.too_large = true;
    return false;
  }
  if (!a.sink->append(bytes.data(), bytes.size())) {
    a.write_failed = true;
    return false;
  }
  crash_if_asked("download");
  return true;
}

void on_progress(Attempt& a, const net::HttpProgress& now_at) {
  const auto& o = *a.options;
  if (!o.on_progress) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - a.last_report < std::chrono::milliseconds(100) && (now_at.expected == 0 || now_at.received < now_at.expected))
    return;
  a.last_report = now;
  TransferProgress p;
  p.bytes = a.start_size + now_at.received;
  p.total = a.known_total ? a.known_total : (now_at.expected > 0 ? a.start_size + now_at.expected : 0);
  const double secs = std::chrono::duration<double>(now - a.t0).count();
  p.bytes_per_second = secs > 0.05 ? static_cast<double>(now_at.received) / secs : 0;
  if (p.total > 0 && p.bytes_per_second > 0 && p.total >= p.bytes)
    p.eta_seconds = static_cast<double>(p.total - p.bytes) / p.bytes_per_second;
  p.resumed_from = a.resumed_from;
  p.attempt = a.attempt_no;
  o.on_progress(p);
}

struct Outcome {
  std::optional<Error> error;  // empty on success
  bool transient = false;      // worth another attempt
};

Outcome classify(const net::HttpResponse& r, const Attempt& a, const std::string& url) {
  using net::HttpFailure;
  if (r.ok() && r.status < 400) return {};
  std::string detail = r.error + " (" + url + ")";
  auto fail = [&](const char* code, bool transient = false) { return Outcome{Error{code, detail}, transient}; };
  if (r.status >= 400 && (r.ok() || r.failure == HttpFailure::stopped)) {
    detail = "HTTP " + std::to_string(r.status) + " (" + url + ")";
    if (r.status == 404 || r.status == 410) return fail("INSTALL-DOWNLOAD-NOT-FOUND");
    if (r.status == 416) return fail("INSTALL-DOWNLOAD-HTTP-ERROR", true);  // stale .part: restarted
    if (r.status >= 500 || r.status == 408 || r.status == 429) return fail("INSTALL-DOWNLOAD-HTTP-ERROR", true);
    return fail("INSTALL-DOWNLOAD-HTTP-ERROR");
  }
  switch (r.failure) {
    case HttpFailure::cancelled:
      return fail("INSTALL-CANCELLED");
    case HttpFailure::stopped:
      if (a.too_large) return fail("INSTALL-DOWNLOAD-TOO-LARGE");
      if (a.version_changed && !a.write_failed) {
        detail = "the file on the server changed since the partial download; starting over (" + url + ")";
        return fail("INSTALL-DOWNLOAD-INTERRUPTED", true);
      }
      detail += std::string(": ") + std::strerror(a.sink->write_errno);
      return fail(is_disk_full(a.sink->write_errno) ? "INSTALL-DISK-FULL" : "INSTALL-WRITE-FAILED");
    case HttpFailure::too_large:
      return fail("INSTALL-DOWNLOAD-TOO-LARGE");
    case HttpFailure::timeout:  // no answer within the connect limit
    case HttpFailure::refused:
      return fail("INSTALL-DOWNLOAD-CONNECT", true);
    case HttpFailure::stalled:
      return fail("INSTALL-DOWNLOAD-STALLED", true);
    case HttpFailure::proxy:
      return fail("INSTALL-DOWNLOAD-PROXY");
    case HttpFailure::tls_verify:
      return fail(r.tls_name_mismatch ? "INSTALL-TLS-HOSTNAME" : "INSTALL-TLS-UNTRUSTED");
    case HttpFailure::tls_handshake:
      return fail(r.ca_unusable ? "INSTALL-CACERT-UNREADABLE" : "INSTALL-TLS-ERROR");
    case HttpFailure::bad_url:
      return fail("INSTALL-URL-NOT-HTTPS");
    case HttpFailure::interrupted:
      if (r.proxy_status != 0 && r.proxy_status != 200) return fail("INSTALL-DOWNLOAD-PROXY");
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

// Runs attempts until success, a permanent failure, cancellation or the attempt limit.
// The sink keeps what earlier attempts received, so each retry resumes with Range, as
// long as the server still has the same version of the file: If-Range with the saved
// validator; without one, only when `resume_without_validator` (a pinned hash will
// catch a file joined from two versions).
std::optional<Error> transfer(const std::string& url, Sink& sink, const DownloadOptions& o,
                              std::uint64_t limit, std::uint64_t known_total, std::uint64_t resumed_from,
                              bool resume_without_validator, TlsPeer& peer, int& attempts_out) {
  if (auto e = require_https(url)) return e;
  if (!o.ca_file.empty()) {
    std::ifstream f(o.ca_file);
    if (!f) return Error{"INSTALL-CACERT-UNREADABLE", o.ca_file};
  }
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
    Attempt a;
    a.sink = &sink;
    a.options = &o;
    a.limit = limit;
    a.start_size = sink.size();
    a.known_total = known_total;
    a.attempt_no = attempt;
    a.resumed_from = resumed_from;
    net::HttpRequest req;
    req.url = url;
    req.https_only = true;
    req.max_redirects = 5;
    req.ca_file = o.ca_file;
    req.proxy = o.proxy;
    req.user_agent = "CertWiz/" CERTWIZ_VERSION;
    req.connect_timeout = o.connect_timeout;
    req.timeout = std::chrono::milliseconds(0);  // a slow line may take long: the stall limit decides
    req.stall_bytes_per_second = o.low_speed_limit;
    req.stall_time = o.low_speed_time;
    req.max_body = limit;  // of this answer; on_data holds the whole file to the limit
    req.cancel = &o.cancel;
    req.peer_certificate = true;
    req.resume_from = a.start_size;
    if (a.start_size > 0) {
      req.if_range = sink.validators.if_range();
      log_line(o, Log::Level::info, "resuming " + url + " from byte " + std::to_string(a.start_size));
    }
    req.on_head = [&a](const net::HttpResponse& head) { return on_head(a, head); };
    req.on_data = [&a](std::string_view bytes) { return on_data(a, bytes); };
    req.on_progress = [&a](const net::HttpProgress& p) { on_progress(a, p); };
    const net::HttpResponse r = net::http_request(req);
    peer.subject = r.peer_subject;
    peer.issuer = r.peer_issuer;
    if (r.ok() && req.resume_from > 0 && r.body_bytes == 0 && r.status != 206) {
      // Nothing came back for a Range request (on_head started the file over): try again.
      last = Error{"INSTALL-DOWNLOAD-INTERRUPTED", "empty answer to a Range request"};
      continue;
    }
    Outcome out = classify(r, a, url);
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
    if (r.status == 416 && !sink.restart()) return Error{"INSTALL-WRITE-FAILED", std::strerror(sink.write_errno)};
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

#include "tests/integration/installer/loopback_server.h"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "tests/support/server_thread.h"

namespace certwiz::installer::testing {

namespace {
void run(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}
void write(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}
std::string read_whole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
}  // namespace

TestPki make_test_pki(const std::string& dir) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  TestPki p;
  auto ca = [&](const std::string& name, const std::string& cn) {
    run("openssl req -x509 " + ec + " -keyout " + dir + "/" + name + ".key -out " + dir + "/" + name +
        ".pem -days 2 -subj '/CN=" + cn + "' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign");
    return dir + "/" + name + ".pem";
  };
  p.ca_cert = ca("ca", "CertWiz Installer Test CA");
  p.other_ca_cert = ca("other-ca", "Some Other CA");
  auto leaf = [&](const std::string& name, const std::string& san) {
    write(dir + "/" + name + ".ext", "subjectAltName=" + san + "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    run("openssl req " + ec + " -keyout " + dir + "/" + name + ".key -out " + dir + "/" + name + ".csr -subj '/CN=" + name + "'");
    run("openssl x509 -req -in " + dir + "/" + name + ".csr -CA " + p.ca_cert + " -CAkey " + dir + "/ca.key -CAcreateserial -out " +
        dir + "/" + name + ".pem -days 2 -extfile " + dir + "/" + name + ".ext");
  };
  leaf("server", "IP:127.0.0.1,DNS:localhost");
  leaf("wrong-host", "DNS:wrong.example");
  p.server_cert = dir + "/server.pem";
  p.server_key = dir + "/server.key";
  p.wrong_host_cert = dir + "/wrong-host.pem";
  p.wrong_host_key = dir + "/wrong-host.key";
  return p;
}

LoopbackServer::LoopbackServer(const std::string& cert, const std::string& key)
    : server_(std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str())) {
  if (!server_->is_valid()) throw std::runtime_error("SSLServer: bad certificate or key");
  server_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    Served s;
    int hit = 0;
    {
      std::lock_guard g(m_);
      seen_.push_back({req.path, req.get_header_value("Range"), req.get_header_value("If-Range")});
      auto it = served_.find(req.path);
      if (it == served_.end()) {
        res.status = 404;
        res.set_content("not found", "text/plain");
        return;
      }
      s = it->second;
      hit = ++hits_[req.path];
    }
    if (hit <= s.fail_times) {
      res.status = s.fail_status;
      res.set_content("failing on purpose", "text/plain");
      return;
    }
    if (!s.etag.empty()) res.set_header("ETag", s.etag);
    if (!s.last_modified.empty()) res.set_header("Last-Modified", s.last_modified);
    const std::string if_range = req.get_header_value("If-Range");
    const bool stale_validator = !if_range.empty() && if_range != s.etag && if_range != s.last_modified;
    if (req.has_header("Range") && (s.ignore_range || stale_validator)) {
      // The whole file with 200 (RFC 9110 If-Range; or a server without Range support).
      auto whole = std::make_shared<std::string>(s.file.empty() ? std::move(s.body) : read_whole(s.file));
      res.status = 200;
      res.set_chunked_content_provider("application/octet-stream",
                                       [this, whole](size_t offset, httplib::DataSink& sink) {
                                         if (offset >= whole->size()) {
                                           sink.done();
                                           return true;
                                         }
                                         const size_t n = std::min<size_t>(whole->size() - offset, 32 * 1024);
                                         sink.write(whole->data() + offset, n);
                                         bytes_sent_ += n;
                                         return true;
                                       });
      return;
    }
    const bool drop = s.drop_after > 0 && hit == s.fail_times + 1;
    auto body = std::make_shared<std::string>(std::move(s.body));
    std::shared_ptr<std::ifstream> file;
    size_t size = body->size();
    if (!s.file.empty()) {
      file = std::make_shared<std::ifstream>(s.file, std::ios::binary);
      file->seekg(0, std::ios::end);
      size = static_cast<size_t>(file->tellg());
    }
    res.set_content_provider(
        size, "application/octet-stream",
        [this, body, file, drop, s](size_t offset, size_t length, httplib::DataSink& sink) {
          if (drop && offset >= s.drop_after) return false;  // the connection drops here
          if (s.stall_after > 0 && offset >= s.stall_after) {
            for (int i = 0; i < 600 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return false;
          }
          size_t n = std::min<size_t>(length, 32 * 1024);
          if (drop && offset < s.drop_after) n = std::min(n, s.drop_after - offset);
          if (s.stall_after > 0 && offset < s.stall_after) n = std::min(n, s.stall_after - offset);
          if (file) {
            std::string chunk(n, '\0');
            file->seekg(static_cast<std::streamoff>(offset));
            file->read(chunk.data(), static_cast<std::streamsize>(n));
            sink.write(chunk.data(), n);
          } else {
            sink.write(body->data() + offset, n);
          }
          bytes_sent_ += n;
          return true;
        });
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("bind_to_any_port failed");
  serving_ = std::make_unique<certwiz::testing::ServerThread>(*server_);
}

LoopbackServer::~LoopbackServer() {
  stopping_ = true;
  serving_.reset();
}

void LoopbackServer::serve(const std::string& path, Served s) {
  std::lock_guard g(m_);
  served_[path] = std::move(s);
  hits_[path] = 0;
}

std::string LoopbackServer::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<SeenRequest> LoopbackServer::requests() const {
  std::lock_guard g(m_);
  return seen_;
}

}  // namespace certwiz::installer::testing

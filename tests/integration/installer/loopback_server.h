#pragma once
// An HTTPS server on 127.0.0.1 for installer tests (cpp-httplib SSLServer), with a test
// PKI made by openssl at test time, and misbehaviours on demand: drop the connection
// midway, fail N times with a status, stall, or answer 404. It logs every request's
// path and Range header so tests can prove a download resumed rather than restarted.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace httplib {
class SSLServer;
}
namespace certwiz::testing {
class ServerThread;
}

namespace certwiz::installer::testing {

// CA, a server certificate for 127.0.0.1/localhost, one for another host name, and an
// unrelated CA, all made in `dir` with the openssl command.
struct TestPki {
  std::string ca_cert, server_cert, server_key, wrong_host_cert, wrong_host_key, other_ca_cert;
};
TestPki make_test_pki(const std::string& dir);

struct Served {
  std::string body;
  size_t drop_after = 0;     // > 0: close the connection after this many bytes, on the first request only
  int fail_times = 0;        // answer fail_status this many times first
  int fail_status = 500;
  size_t stall_after = 0;    // > 0: stop sending after this many bytes (every request)
  std::string file;          // when set, streamed from this file instead of `body` (keeps big packages out of memory)
  std::string etag;          // sent as ETag when set
  std::string last_modified; // sent as Last-Modified when set
  bool ignore_range = false; // answer a Range request with 200 and the whole file, as some servers do
};

struct SeenRequest {
  std::string path;
  std::string range;     // "" when absent
  std::string if_range;  // "" when absent
};

class LoopbackServer {
 public:
  LoopbackServer(const std::string& cert, const std::string& key);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  void serve(const std::string& path, Served s);
  std::string url(const std::string& path) const;  // https://127.0.0.1:<port><path>
  int port() const { return port_; }
  std::vector<SeenRequest> requests() const;
  size_t bytes_sent() const { return bytes_sent_; }

 private:
  std::unique_ptr<httplib::SSLServer> server_;
  std::unique_ptr<certwiz::testing::ServerThread> serving_;
  int port_ = 0;
  mutable std::mutex m_;
  std::map<std::string, Served> served_;
  std::map<std::string, int> hits_;
  std::vector<SeenRequest> seen_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> bytes_sent_{0};
};

}  // namespace certwiz::installer::testing

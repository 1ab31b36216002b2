#pragma once
// The reference site's HTTPS server: the JSON endpoints of docs/site-protocol.md on a
// cpp-httplib SSLServer, over the site's SQLite database.
#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "tests/lab/site/login_verifier.h"

namespace certwiz::site_server {

struct SiteConfig {
  std::string db_path;
  std::string cert_file, key_file;  // TLS server certificate and key (PEM)
  std::string bind_address = "127.0.0.1";
  int port = 8443;  // 0: any free port (see SiteServer::bind)
  std::string site_host = "127.0.0.1";  // the "site:" line of every challenge
  int challenge_seconds = 120;
  int session_seconds = 1800;
  int rate_limit_per_minute = 600;  // per client address, and per account for bind; 0: none
  int prune_interval_seconds = 60;  // how often expired rows are swept
  int retain_seconds = 3600;        // how long rows are kept after they stop mattering
  std::string capture_cms_dir;      // when set: every CMS judged is saved here with the verdict
  int threads = 64;                 // worker threads (one per open connection)
  std::map<std::string, std::string> endpoints;  // empty entries: the defaults below
  LoginVerifierOptions verifier;
};

// Paths of assets/sites/default.json.
std::map<std::string, std::string> default_endpoints();

class SiteServer {
 public:
  // Opens the database (migrating it) and loads the form rules and trust anchors.
  // Throws std::runtime_error on any of those.
  explicit SiteServer(SiteConfig config);
  ~SiteServer();
  // Binds the socket; returns the port (useful with port 0), or -1.
  int bind();
  // Serves until stop(); false when it could not.
  bool run();
  // Ends run(). Does nothing before run() has started serving (cpp-httplib): check serving().
  void stop();
  bool serving() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certwiz::site_server

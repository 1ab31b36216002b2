#include "tests/unit/cert/test_pki.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>

#include <httplib.h>

#include "tests/support/server_thread.h"

extern char** environ;

namespace certwiz::cert::testing {

namespace {

void must(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// UTCTime text as `openssl ocsp`'s index expects it.
std::string index_time(std::time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%y%m%d%H%M%SZ", &tm);
  return buf;
}

std::string join(const std::vector<std::string>& v, const std::string& sep, const std::string& prefix = "") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + prefix + s;
  return out;
}

}  // namespace

std::string Issued::der() const {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(cert.get(), &buf);
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  return out;
}

std::string Issued::pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert.get());
  std::string out = bio_text(bio);
  BIO_free(bio);
  return out;
}

std::string Issued::serial_hex() const {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "certwiz-cert-XXXXXX").string();
  must(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::shared_ptr<EVP_PKEY> make_key() {
  // P-256 keeps test PKIs fast; the code under test does not depend on the key type.
  EVP_PKEY* k = EVP_EC_gen("P-256");
  must(k != nullptr, "EVP_EC_gen");
  return {k, EVP_PKEY_free};
}

std::string key_pem(const EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::string out = bio_text(bio);
  BIO_free(bio);
  return out;
}

std::string write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  must(static_cast<bool>(out), "write file");
  return path.string();
}

Issued make_cert(const CertSpec& spec, const Issued* issuer, std::shared_ptr<EVP_PKEY> key) {
  if (!key) key = make_key();
  std::shared_ptr<X509> x(X509_new(), X509_free);
  X509_set_version(x.get(), X509_VERSION_3);
  {
    BIGNUM* bn = BN_new();
    if (spec.serial) BN_set_word(bn, static_cast<BN_ULONG>(spec.serial));
    else BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
    BN_free(bn);
  }
  X509_NAME* name = X509_NAME_new();
  for (const auto& e : spec.subject) {
    if (e.bmp) {
      ASN1_STRING* s = nullptr;
      must(ASN1_mbstring_copy(&s, reinterpret_cast<const unsigned char*>(e.value.data()), static_cast<int>(e.value.size()),
                              MBSTRING_UTF8, B_ASN1_BMPSTRING) > 0, "BMPString");
      X509_NAME_ENTRY* ne = X509_NAME_ENTRY_create_by_txt(nullptr, e.type.c_str(), V_ASN1_BMPSTRING,
                                                          ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
      must(ne && X509_NAME_add_entry(name, ne, -1, 0) == 1, "name entry");
      X509_NAME_ENTRY_free(ne);
      ASN1_STRING_free(s);
    } else {
      must(X509_NAME_add_entry_by_txt(name, e.type.c_str(), MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(e.value.c_str()), -1, -1, 0) == 1,
           "name entry");
    }
  }
  X509_set_subject_name(x.get(), name);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_NAME_free(name);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), spec.not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), spec.not_after_days * 86400);
  X509_set_pubkey(x.get(), key.get());

  // Extensions through the openssl config syntax: an encoder independent of the parser under test.
  std::string conf_text = "[sda]\n";
  for (size_t i = 0; i < spec.directory_attributes.size(); ++i) conf_text += "a" + std::to_string(i) + " = SEQUENCE:attr" + std::to_string(i) + "\n";
  for (size_t i = 0; i < spec.directory_attributes.size(); ++i) {
    const auto& [oid, value] = spec.directory_attributes[i];
    conf_text += "[attr" + std::to_string(i) + "]\ntype = OID:" + oid + "\nvalues = SET:vals" + std::to_string(i) + "\n";
    conf_text += "[vals" + std::to_string(i) + "]\nv = PRINTABLESTRING:" + value + "\n";
  }
  CONF* conf = NCONF_new(nullptr);
  BIO* cbio = BIO_new_mem_buf(conf_text.data(), static_cast<int>(conf_text.size()));
  long errline = 0;
  must(NCONF_load_bio(conf, cbio, &errline) == 1, "config");
  BIO_free(cbio);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer->cert.get() : x.get(), x.get(), nullptr, nullptr, 0);
  X509V3_set_nconf(&ctx, conf);
  auto add = [&](const char* ext_name, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_nconf(conf, &ctx, ext_name, value.c_str());
    must(ext != nullptr, ext_name);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  };
  add("basicConstraints", spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  add("subjectKeyIdentifier", "hash");
  if (issuer) add("authorityKeyIdentifier", "keyid:always");
  if (!spec.key_usage.empty()) add("keyUsage", spec.key_usage);
  if (!spec.policies.empty()) add("certificatePolicies", join(spec.policies, ","));
  std::vector<std::string> aia;
  for (const auto& u : spec.ocsp_urls) aia.push_back("OCSP;URI:" + u);
  if (!aia.empty()) add("authorityInfoAccess", join(aia, ","));
  if (!spec.crl_urls.empty()) add("crlDistributionPoints", join(spec.crl_urls, ",", "URI:"));
  if (!spec.directory_attributes.empty()) add("2.5.29.9", "ASN1:SEQUENCE:sda");
  NCONF_free(conf);
  must(X509_sign(x.get(), issuer ? issuer->key.get() : key.get(), EVP_sha256()) > 0, "sign");
  return {x, key};
}

std::string make_crl(const Issued& issuer, const std::vector<RevokedEntry>& revoked, long this_update_hours,
                     long next_update_hours) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, X509_CRL_VERSION_2);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.cert.get()));
  ASN1_TIME* t = X509_gmtime_adj(nullptr, this_update_hours * 3600);
  X509_CRL_set1_lastUpdate(crl, t);
  X509_gmtime_adj(t, next_update_hours * 3600);
  X509_CRL_set1_nextUpdate(crl, t);
  ASN1_TIME_free(t);
  for (const auto& r : revoked) {
    X509_REVOKED* rev = X509_REVOKED_new();
    BIGNUM* bn = nullptr;
    BN_hex2bn(&bn, r.serial_hex.c_str());
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
    X509_REVOKED_set_serialNumber(rev, serial);
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    ASN1_TIME* when = ASN1_TIME_set(nullptr, r.when);
    X509_REVOKED_set_revocationDate(rev, when);
    ASN1_TIME_free(when);
    if (r.reason >= 0) {
      ASN1_ENUMERATED* e = ASN1_ENUMERATED_new();
      ASN1_ENUMERATED_set(e, r.reason);
      X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0, 0);
      ASN1_ENUMERATED_free(e);
    }
    X509_CRL_add0_revoked(crl, rev);
  }
  X509_CRL_sort(crl);
  must(X509_CRL_sign(crl, issuer.key.get(), EVP_sha256()) > 0, "CRL sign");
  unsigned char* buf = nullptr;
  const int n = i2d_X509_CRL(crl, &buf);
  std::string out(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  X509_CRL_free(crl);
  return out;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  must(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct WebServer::Impl {
  httplib::Server server;
  int port = 0;
  mutable std::mutex m;
  std::map<std::string, std::string> bodies;
  std::map<std::string, int> counts;
  // Last, so it is destroyed first: no handler runs after the members it uses are gone.
  std::optional<certwiz::testing::ServerThread> serving;
};

WebServer::WebServer() : impl_(std::make_unique<Impl>()) {
  impl_->server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard g(impl_->m);
    ++impl_->counts[req.path];
    auto it = impl_->bodies.find(req.path);
    if (it == impl_->bodies.end()) {
      res.status = 404;
      return;
    }
    res.set_content(it->second, "application/pkix-crl");
  });
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  must(impl_->port > 0, "web server bind");
  impl_->serving.emplace(impl_->server);
}

WebServer::~WebServer() = default;

void WebServer::put(const std::string& path, std::string body) {
  std::lock_guard g(impl_->m);
  impl_->bodies[path] = std::move(body);
}

int WebServer::requests(const std::string& path) const {
  std::lock_guard g(impl_->m);
  auto it = impl_->counts.find(path);
  return it == impl_->counts.end() ? 0 : it->second;
}

std::string WebServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

OcspResponder::OcspResponder(const fs::path& dir, int port, const Issued& ca, const Issued& signer,
                             const std::vector<Entry>& entries)
    : port_(port) {
  std::string index;
  for (const auto& e : entries) {
    const std::time_t expiry = std::time(nullptr) + 365 * 86400;
    std::string rev;
    if (e.revoked) rev = index_time(e.revoked_at) + (e.reason.empty() ? "" : "," + e.reason);
    index += std::string(e.revoked ? "R" : "V") + "\t" + index_time(expiry) + "\t" + rev + "\t" + e.cert->serial_hex() +
             "\tunknown\t/CN=test\n";
  }
  const std::string tag = std::to_string(port);
  const std::string index_path = write_file(dir / ("ocsp-" + tag + ".idx"), index);
  const std::string ca_path = write_file(dir / ("ocsp-" + tag + "-ca.pem"), ca.pem());
  const std::string signer_path = write_file(dir / ("ocsp-" + tag + "-signer.pem"), signer.pem());
  const std::string key_path = write_file(dir / ("ocsp-" + tag + "-signer.key"), key_pem(signer.key.get()));
  const std::string log_path = (dir / ("ocsp-" + tag + ".log")).string();
  std::vector<std::string> args = {"openssl", "ocsp", "-index", index_path, "-port", tag, "-rsigner", signer_path,
                                   "-rkey", key_path, "-CA", ca_path, "-ndays", "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "openssl", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  must(rc == 0, "spawn openssl ocsp");
  pid_ = pid;
  // Not a connect() probe: `openssl ocsp` serves one connection at a time and hangs on a
  // probe that closes without a request. Its log says when it listens.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool listening = false;
  while (!listening && std::chrono::steady_clock::now() < deadline) {
    std::ifstream log(log_path);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    listening = text.find("waiting for OCSP client connections") != std::string::npos;
    if (!listening) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  must(listening, "openssl ocsp did not start listening");
}

OcspResponder::~OcspResponder() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

}  // namespace certwiz::cert::testing

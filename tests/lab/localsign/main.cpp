// The lab's stand-in for HiCOS's local signing component (跨平台網頁元件): the same HTTP
// API (GET /, /pkcs11info, POST /sign, /addDomain) and the same ret_code values, with
// the card operations done through CertWiz's own PKCS#11 layer on the lab's token.
// Not a product: it exists so the probe and the browser signing path are tested for real.
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "checks/pkcs11/cms.h"
#include "checks/pkcs11/inventory.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/protocol.h"

using namespace certwiz;
using namespace certwiz::pkcs11;

namespace {

constexpr uint32_t kOk = 0, kNoCard = 0x76000006, kProgramError = 0x7600000D, kSiteNotTrusted = 0x76000031,
                   kNoPin = 0x76000998, kNoPkcs11 = 0x76100001, kNoReader = 0x76100003, kLoginFailed = 0x76100006,
                   kCertNotFound = 0x7610000C, kSignError = 0x76300001, kNotYetValid = 0x76500001, kExpired = 0x76500002;
constexpr int64_t kLastWrongPin = 0xA0, kLastPinLength = 0xA2, kLastLocked = 0xA4, kLastTwoLeft = -2147483646,
                  kLastOneLeft = -2147483647;

struct Config {
  std::string bind = "127.0.0.1";
  int port = 61161;
  std::string version = "1.3.4.3";
  std::string module;
  std::string whitelist;
};

class Server {
 public:
  explicit Server(Config c) : cfg_(std::move(c)) { load_whitelist(); }

  void run() {
    httplib::Server http;
    http.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content("HiPKI Local Sign Server (CertWiz lab stand-in)\nversion:" + cfg_.version + "\n", "text/plain");
    });
    auto info = [this](const httplib::Request& req, httplib::Response& res) {
      const bool with_cert = req.has_param("withcert") && req.get_param_value("withcert") == "true";
      res.set_content(pkcs11info(with_cert).dump(), "application/json");
    };
    http.Get("/pkcs11info", info);
    http.Post("/pkcs11info", info);
    http.Get("/addDomain", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string domain = req.get_param_value("domain");
      Json j{{"ret_code", kOk}};
      if (domain.empty() || domain.find_first_of("\r\n/ ") != std::string::npos) j["ret_code"] = kProgramError;
      else add_domain(domain);
      res.set_content(j.dump(), "application/json");
    });
    http.Post("/sign", [this](const httplib::Request& req, httplib::Response& res) {
      // A wrong PIN still answers HTTP 200, as the real component does.
      res.set_content(sign(req).dump(), "application/json");
    });
    if (!http.bind_to_port(cfg_.bind.c_str(), cfg_.port)) {
      std::fprintf(stderr, "certwiz-localsign-lab: cannot listen on %s:%d\n", cfg_.bind.c_str(), cfg_.port);
      std::exit(1);
    }
    std::fprintf(stderr, "certwiz-localsign-lab: version %s on %s:%d, module %s\n", cfg_.version.c_str(),
                 cfg_.bind.c_str(), cfg_.port, cfg_.module.c_str());
    http.listen_after_bind();
  }

 private:
  // The component keeps one module loaded; a crashed host is restarted on next use.
  Expected<std::shared_ptr<ModuleHost>> host() {
    if (host_ && host_->alive()) return host_;
    auto h = ModuleHost::start(cfg_.module, std::chrono::seconds(10));
    if (!h) return h.error();
    host_ = *h;
    return host_;
  }

  Json pkcs11info(bool with_cert) {
    std::lock_guard g(m_);
    Json out{{"ret_code", kOk}, {"serverVersion", cfg_.version}, {"slots", Json::array()}};
    auto h = host();
    if (!h) {
      out["ret_code"] = kNoPkcs11;
      return out;
    }
    auto inv = collect_inventory(*h);
    if (!inv) {
      out["ret_code"] = kProgramError;
      return out;
    }
    out["libraryDescription"] = inv->value("/module/description"_json_pointer, std::string("CertWiz card simulator"));
    out["libraryVersion"] = inv->value("/module/library_version"_json_pointer, std::string());
    for (const auto& slot : inv->value("slots", Json::array())) {
      Json s{{"slotDescription", slot.value("reader", std::string())}};
      for (const auto& t : inv->value("tokens", Json::array())) {
        if (t.value("slot_id", -1L) != slot.value("slot_id", -2L)) continue;
        Json token{{"serialNumber", t.value("serial", std::string())}};
        Json certs = Json::array();
        for (const auto& c : t.value("certificates", Json::array())) {
          Json entry{{"label", c.value("label", std::string())},
                     {"usage", c.value("label", std::string()) == "SIGN" ? "digitalSignature" : "keyEncipherment"}};
          if (auto der = certwiz::pkcs11::wire::base64_decode(c.value("der_base64", std::string()))) {
            const unsigned char* p = der->data();
            if (X509* x = d2i_X509(nullptr, &p, static_cast<long>(der->size()))) {
              entry["subjectDN"] = name_of(X509_get_subject_name(x));
              entry["issuerDN"] = name_of(X509_get_issuer_name(x));
              BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(x), nullptr);
              char* hex = BN_bn2hex(bn);
              entry["sn"] = hex;
              OPENSSL_free(hex);
              BN_free(bn);
              X509_free(x);
            }
          }
          if (with_cert) entry["certb64"] = c.value("der_base64", std::string());
          certs.push_back(entry);
        }
        token["certs"] = certs;
        s["token"] = token;
      }
      out["slots"].push_back(s);
    }
    return out;
  }

  static std::string name_of(X509_NAME* n) {
    BIO* b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long len = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<size_t>(len));
    BIO_free(b);
    return s;
  }

  static std::string host_of(const std::string& origin) {
    std::string h = origin;
    if (auto p = h.find("://"); p != std::string::npos) h = h.substr(p + 3);
    h = h.substr(0, h.find('/'));
    if (!h.empty() && h[0] == '[') return h.substr(1, h.find(']') - 1);
    return h.substr(0, h.rfind(':') == std::string::npos ? std::string::npos : h.rfind(':'));
  }

  bool trusted(const httplib::Request& req) {
    std::string origin = req.get_header_value("Origin");
    if (origin.empty()) origin = req.get_header_value("Referer");
    if (origin.empty()) return false;  // the component answers pages of trusted sites only
    reload_whitelist_if_changed();  // the real component rereads its whiteList.txt too; tests edit it
    std::lock_guard g(wl_m_);
    return whitelist_.count(host_of(origin)) > 0;
  }

  void reload_whitelist_if_changed() {
    std::error_code ec;
    const auto t = std::filesystem::last_write_time(cfg_.whitelist, ec);
    if (ec) return;
    {
      std::lock_guard g(wl_m_);
      if (t == wl_time_) return;
      wl_time_ = t;
    }
    load_whitelist();
  }

  Json sign(const httplib::Request& req) {
    Json out{{"ret_code", kOk}, {"last_error", 0}};
    if (!trusted(req)) {
      out["ret_code"] = kSiteNotTrusted;
      return out;
    }
    Json pkg = Json::parse(req.get_param_value("tbsPackage"), nullptr, false);
    if (!pkg.is_object()) {
      out["ret_code"] = kProgramError;
      return out;
    }
    Secret pin(pkg.value("pin", std::string()));
    if (pkg.contains("pin") && pkg["pin"].is_string()) {
      auto& s = pkg["pin"].get_ref<std::string&>();
      OPENSSL_cleanse(s.data(), s.size());
    }
    if (pin.empty()) {
      out["ret_code"] = kNoPin;
      return out;
    }
    std::lock_guard g(m_);
    auto h = host();
    if (!h) {
      out["ret_code"] = kNoPkcs11;
      return out;
    }
    auto inv = collect_inventory(*h);
    if (!inv) {
      out["ret_code"] = kProgramError;
      return out;
    }
    if (inv->value("slots", Json::array()).empty()) {
      out["ret_code"] = kNoReader;
      return out;
    }
    // No slotDescription: the component takes the first card it finds (the page did
    // not ask for one), not an error as CertWiz's own choose_token() makes it.
    const std::string wanted = pkg.value("slotDescription", std::string());
    auto token = choose_token(*inv, wanted);
    if (!token && wanted.empty() && !inv->value("tokens", Json::array()).empty()) token = (*inv)["tokens"][0];
    if (!token) {
      out["ret_code"] = kNoCard;
      return out;
    }
    auto session = Session::open(*h, token->value("slot_id", 0UL));
    if (!session) {
      out["ret_code"] = kNoCard;
      return out;
    }
    PinGuard guard(**session, false);
    PinAttempt attempt = guard.login(pin);
    if (!attempt.logged_in) {
      out["ret_code"] = kLoginFailed;
      const std::string code = attempt.error ? attempt.error->code : "";
      if (code.find("LOCKED") != std::string::npos) out["last_error"] = kLastLocked;
      else if (code.find("FORM") != std::string::npos || code.find("LENGTH") != std::string::npos) out["last_error"] = kLastPinLength;
      else if (attempt.tries_left == 2) out["last_error"] = kLastTwoLeft;
      else if (attempt.tries_left == 1) out["last_error"] = kLastOneLeft;
      else if (attempt.tries_left == 0) out["last_error"] = kLastLocked;
      else out["last_error"] = kLastWrongPin;
      return out;
    }
    auto cert = (*session)->certificate(kSignId);
    if (!cert) {
      out["ret_code"] = kCertNotFound;
      return out;
    }
    // The component refuses to sign with a certificate outside its validity.
    const unsigned char* p = cert->data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(cert->size()));
    if (!x) {
      out["ret_code"] = kCertNotFound;
      return out;
    }
    const int not_before = X509_cmp_current_time(X509_get0_notBefore(x));
    const int not_after = X509_cmp_current_time(X509_get0_notAfter(x));
    X509_free(x);
    if (not_before > 0) {
      out["ret_code"] = kNotYetValid;
      return out;
    }
    if (not_after < 0) {
      out["ret_code"] = kExpired;
      return out;
    }
    const bool with_sn = pkg.value("withCardSN", std::string("false")) == "true";
    auto cms = sign_cms(**session, pkg.value("tbs", std::string()), pkg.value("nonce", std::string()), with_sn);
    if (!cms) {
      out["ret_code"] = kSignError;
      return out;
    }
    out["signature"] = certwiz::pkcs11::wire::base64_encode(*cms);
    out["certb64"] = certwiz::pkcs11::wire::base64_encode(*cert);
    out["cardSN"] = token->value("serial", std::string());
    return out;
  }

  void load_whitelist() {
    std::lock_guard g(wl_m_);
    whitelist_.clear();
    std::ifstream in(cfg_.whitelist);
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) whitelist_.insert(line);
    }
  }

  void add_domain(const std::string& domain) {
    std::lock_guard g(wl_m_);
    if (!whitelist_.insert(domain).second) return;
    std::ofstream out(cfg_.whitelist, std::ios::app);
    out << domain << '\n';
  }

  Config cfg_;
  std::mutex m_;
  std::shared_ptr<ModuleHost> host_;
  std::mutex wl_m_;
  std::set<std::string> whitelist_;
  std::filesystem::file_time_type wl_time_{};
};

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (const char* m = std::getenv("CERTWIZ_PKCS11_MODULE")) cfg.module = m;
  if (const char* d = std::getenv("CERTWIZ_LAB_DIR")) cfg.whitelist = std::string(d) + "/localsign-whiteList.txt";
  CLI::App app{"CertWiz lab stand-in for the HiPKI local signing component"};
  app.add_option("--bind", cfg.bind, "Address to listen on");
  app.add_option("--port", cfg.port, "Port (the real component uses 61161)");
  app.add_option("--version", cfg.version, "Version to report on GET /");
  app.add_option("--module", cfg.module, "PKCS#11 module (default $CERTWIZ_PKCS11_MODULE)");
  app.add_option("--whitelist", cfg.whitelist, "Trusted domains file (whiteList.txt), one host a line");
  CLI11_PARSE(app, argc, argv);
  if (cfg.whitelist.empty()) cfg.whitelist = "whiteList.txt";
  if (!std::filesystem::exists(cfg.whitelist)) {
    // A fresh install trusts the lab's own site hosts, as HiCOS's installer seeds the
    // government sites.
    std::ofstream(cfg.whitelist) << "localhost\n127.0.0.1\n";
  }
  Server(cfg).run();
}

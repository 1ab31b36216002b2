#pragma once
// A fixed, realistic Report for golden, redaction and rendering tests: a citizen card
// whose chain is not trusted, an unreachable site, a consequence of both, and the
// personal values a real run would carry (planted so tests can look for them).
#include <string>
#include <vector>

#include "checks/core/report_model.h"
#include "checks/report/redact.h"

namespace certwiz::report::testing {

// Personal values planted in the sample; none may survive redaction.
struct Planted {
  static constexpr const char* holder = "王小明";
  static constexpr const char* national_id = "A123456789";
  static constexpr const char* id_last4 = "6789";
  static constexpr const char* token_serial = "TP07240513190395";
  static constexpr const char* cert_serial = "5A3F1C9D0E7B2A4C";
  static constexpr const char* subject_serial = "0000000112831644";
  static constexpr const char* ubn = "83124560";
  static constexpr const char* company = "綠源環保科技股份有限公司";
  static constexpr const char* user = "alice";
  static constexpr const char* home = "/home/alice";
  static constexpr const char* host = "alice-laptop";
  static constexpr const char* ipv4 = "192.168.1.23";
  static constexpr const char* ipv4_remote = "203.0.113.7";
  static constexpr const char* ipv6 = "fe80::1c2b:3dff:fe4e:5f60";
  static constexpr const char* mac = "3c:52:82:aa:bb:cc";
  static constexpr const char* email = "xiaoming.wang@example.tw";
  static constexpr const char* der_fragment = "MIIFazCCA1OgAwIBAgIQWjMFz";
  static constexpr const char* pin = "135790";

  static std::vector<std::string> all() {
    return {holder, national_id, token_serial, cert_serial, subject_serial, ubn, company, home, host,
            ipv4,   ipv4_remote, ipv6,        mac,         email,          der_fragment, pin, "\"alice\"",
            "alice/", "Alice Wang"};
  }
};

inline CheckResult sample_result(std::string id, Text title, Status status, Text summary, double start, double duration,
                                 Json evidence = Json::object()) {
  CheckResult r;
  r.id = std::move(id);
  r.title = std::move(title);
  r.status = status;
  r.summary = std::move(summary);
  r.evidence = std::move(evidence);
  r.started_ms = start;
  r.duration_ms = duration;
  return r;
}

inline void set_failure(CheckResult& r, std::string code, Text cause, Text remedy, std::string detail = {}) {
  r.code = std::move(code);
  r.cause = std::move(cause);
  r.remedy = std::move(remedy);
  r.detail = std::move(detail);
}

inline Report sample_report(Lang lang = Lang::zh_TW) {
  using P = Planted;
  Report r;
  r.tool_version = "0.0.0-test";
  r.created_at = "2024-05-13T02:03:04Z";
  r.command = "diagnose";
  r.lang = lang;
  r.redacted = false;
  r.environment = Json{{"os", "Debian GNU/Linux 12 (bookworm)"},
                       {"kernel", "Linux 6.1.0-21-amd64"},
                       {"architecture", "x86_64"},
                       {"hostname", P::host},
                       {"user", P::user},
                       {"home", P::home},
                       {"locale", "zh_TW.UTF-8"},
                       {"desktop", "GNOME (wayland)"},
                       {"network_interfaces",
                        Json::array({Json{{"name", "lo"}, {"up", true}, {"addresses", Json::array({"127.0.0.1", "::1"})}},
                                     Json{{"name", "wlp2s0"},
                                          {"up", true},
                                          {"addresses", Json::array({P::ipv4, P::ipv6})},
                                          {"mac", P::mac}}})},
                       {"certwiz_version", "0.0.0-test"},
                       {"lang", std::string(lang_tag(lang))},
                       {"pkcs11_module", std::string(P::home) + "/.local/lib/libHicos_p11v1.so"},
                       {"site_profile", "waste-declaration"},
                       {"pin_supplied", true}};

  std::vector<CheckResult>& res = r.results;
  res.push_back(sample_result("system.os", {"作業系統", "Operating system"}, Status::pass,
                              {"Debian 12，64 位元", "Debian 12, 64-bit"}, 0.2, 3.1,
                              Json{{"os", "Debian GNU/Linux 12"}, {"arch", "x86_64"}}));
  res.push_back(sample_result("pcsc.service", {"讀卡機服務", "Smart-card service"}, Status::pass,
                              {"pcscd 1.9.9 正在執行", "pcscd 1.9.9 is running"}, 0.4, 12.6,
                              Json{{"version", "1.9.9"}, {"socket", "/run/pcscd/pcscd.comm"}}));
  res.push_back(sample_result("pcsc.readers", {"讀卡機", "Card readers"}, Status::pass,
                              {"找到 1 台讀卡機", "1 reader found"}, 13.1, 8.4,
                              Json{{"readers", Json::array({Json{{"name", "Virtual PCD 00 00"}, {"card", true}}})}}));
  res.push_back(sample_result("card.atr", {"卡片辨識", "Card type"}, Status::pass,
                              {"自然人憑證（第二代）", "Citizen certificate card (gen 2)"}, 21.7, 35.2,
                              Json{{"atr", "3B D8 96 00 81 B1 FE 45 1F 07 43 48 54 47 50 4B 49 4A DD"},
                                   {"token_serial", P::token_serial},
                                   {"family", "moica"}}));
  res.push_back(sample_result("pkcs11.module", {"HiCOS 元件", "HiCOS middleware"}, Status::pass,
                              {"已載入 PKCS#11 模組", "PKCS#11 module loaded"}, 0.5, 48.3,
                              Json{{"path", std::string(P::home) + "/.local/lib/libHicos_p11v1.so"},
                                   {"library_version", "3.1"},
                                   {"manufacturer", "Chunghwa TeleCom Co., Ltd."}}));
  {
    auto c = sample_result("pkcs11.certs", {"讀取卡片憑證", "Certificates on the card"}, Status::pass,
                           {std::string("讀到 ") + P::holder + " 的簽章與加密憑證",
                            std::string("Read the signing and encryption certificates of ") + P::holder},
                           57.1, 142.8);
    c.evidence = Json{{"holder", P::holder},
                      {"id_last4", P::id_last4},
                      {"certificates",
                       Json::array({Json{{"label", "SIGN"},
                                         {"subject", std::string("C=TW, CN=") + P::holder + ", serialNumber=" + P::subject_serial},
                                         {"issuer", "C=TW, O=行政院, OU=內政部憑證管理中心"},
                                         {"serial", P::cert_serial},
                                         {"not_after", "2029-05-12T15:59:59Z"},
                                         {"der_base64", std::string(P::der_fragment) + std::string(400, 'A') + "0b1C"}}})}};
    res.push_back(c);
  }
  {
    auto c = sample_result("cert.validity", {"憑證有效期限", "Certificate validity"}, Status::warn,
                           {"簽章憑證將在 21 天後到期", "The signing certificate expires in 21 days"}, 200.3, 4.2,
                           Json{{"days_left", 21}, {"not_after", "2024-06-03T15:59:59Z"}});
    set_failure(c, "CERT-EXPIRING-SOON", {"憑證即將到期。", "The certificate expires soon."},
                {"請在到期前到戶政事務所或線上辦理展期。", "Renew it at a household registration office or online before it expires."});
    res.push_back(c);
  }
  {
    auto c = sample_result("cert.chain", {"憑證鏈", "Certificate chain"}, Status::fail,
                           {"找不到簽發這張憑證的 MOICA 中繼憑證", "The MOICA intermediate that issued the certificate is missing"},
                           200.5, 61.7,
                           Json{{"issuer", "C=TW, O=行政院, OU=內政部憑證管理中心"},
                                {"tried", Json::array({"/etc/ssl/certs", std::string(P::home) + "/.certwiz/trust"})},
                                {"note", "<script>alert('x')</script> & \"quotes\""}});
    set_failure(c, "CERT-CHAIN-INVALID", {"憑證鏈無法驗證到信任的根憑證。", "The certificate chain does not lead to a trusted root."},
                {"執行 certwiz setup 安裝 MOICA 中繼與根憑證。", "Run certwiz setup to install the MOICA intermediate and root certificates."},
                "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (depth 0)");
    res.push_back(c);
  }
  {
    auto c = sample_result("net.site", {"申報網站連線", "Declaration site connection"}, Status::fail,
                           {"無法連線到 waste.example.gov.tw:443", "Cannot connect to waste.example.gov.tw:443"}, 0.6,
                           3012.4, Json{{"host", "waste.example.gov.tw"}, {"address", P::ipv4_remote}, {"port", 443}});
    set_failure(c, "NET-CONNECT-FAILED", {"連不上申報網站。", "The declaration site cannot be reached."},
                {"確認網路連線正常，並檢查防火牆或 Proxy 設定。", "Check that the network works and look at firewall or proxy settings."},
                std::string("connect(") + P::ipv4_remote + ":443): timed out after 3000 ms from " + P::ipv4);
    res.push_back(c);
  }
  {
    auto c = sample_result("localsign.sign", {"本機簽章元件", "Local signing component"}, Status::fail,
                           {"簽章測試失敗", "The signing test failed"}, 262.4, 88.0,
                           Json{{"url", "http://127.0.0.1:61161"}, {"http_status", 500}});
    set_failure(c, "LOCALSIGN-SIGN-FAILED", {"本機簽章元件無法完成簽章。", "The local signing component could not sign."},
                {"先解決憑證鏈的問題，再重新檢查。", "Fix the certificate chain first, then check again."});
    res.push_back(c);
  }
  res.push_back(sample_result("site.login", {"網站登入測試", "Site login test"}, Status::skipped,
                              {"略過：需要先通過「申報網站連線」", "Skipped: needs \"Declaration site connection\" first"},
                              3013.0, 0, Json{{"blocked_by", "net.site"}}));
  res.push_back(sample_result("system.time", {"系統時間", "System clock"}, Status::unknown,
                              {"無法與時間伺服器比對", "Could not compare with a time server"}, 0.3, 1500.0,
                              Json{{"log", std::string("contacted time server from host ") + P::host + " as user " + P::user +
                                               ", mail " + P::email + ", id " + P::national_id + ", ubn " + P::ubn +
                                               ", mac " + P::mac + ", company " + P::company + ", owner Alice Wang"},
                                   {"company_name", P::company},
                                   {"ubn", P::ubn},
                                   {"owner", Json{{"name", "Alice Wang"}}}}));

  r.depends_on = {{"pcsc.readers", {"pcsc.service"}},
                  {"card.atr", {"pcsc.readers"}},
                  {"pkcs11.certs", {"pkcs11.module", "card.atr"}},
                  {"cert.validity", {"pkcs11.certs"}},
                  {"cert.chain", {"pkcs11.certs"}},
                  {"localsign.sign", {"cert.chain"}},
                  {"site.login", {"net.site", "localsign.sign"}}};
  return r;
}

// Redaction that does not depend on who runs the test.
inline RedactionOptions fixed_redaction() {
  RedactionOptions o;
  o.salt = "certwiz-test-salt";
  o.use_system_identity = false;
  o.user_names = {Planted::user};
  o.host_names = {Planted::host};
  return o;
}

}  // namespace certwiz::report::testing

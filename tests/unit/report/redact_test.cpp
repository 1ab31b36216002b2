// Redaction: planted personal values must leave no trace in any file of a bundle,
// serial hashes must keep "same card" visible, and --no-redact must keep everything
// and say so.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <type_traits>

#include "checks/core/options.h"
#include "checks/core/secret.h"
#include "checks/report/bundle.h"
#include "checks/report/environment.h"
#include "checks/report/files.h"
#include "checks/report/redact.h"
#include "tests/unit/report/sample_report.h"

namespace certwiz::report {
namespace {

using testing::fixed_redaction;
using testing::Planted;
using testing::sample_report;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Every planted value found in `data` (ASCII compared case-insensitively).
std::vector<std::string> leaks(const std::string& data) {
  std::vector<std::string> found;
  const std::string low = lower(data);
  for (const auto& v : Planted::all())
    if (low.find(lower(v)) != std::string::npos) found.push_back(v);
  return found;
}

std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("certwiz-report-" + name + "-" + std::to_string(getpid()));
  std::filesystem::create_directories(d);
  return d;
}

std::string planted_log() {
  return std::string("   0.1 ms info  [pkcs11] token serial ") + Planted::token_serial + " holder " + Planted::holder +
         "\n   0.2 ms info  [net] local address " + Planted::ipv4 + " (" + Planted::mac + ") on " + Planted::host +
         "\n   0.3 ms debug [cert] loaded " + Planted::home + "/.certwiz/trust/root.pem for alice" +
         "\n   0.4 ms debug [cert] subject serialNumber=" + Planted::subject_serial + " cert serial " +
         Planted::cert_serial + "\n";
}

TEST(Redaction, NoPlantedValueSurvivesInAnyFileOfTheBundle) {
  const auto p = prepare_report(sample_report(), planted_log(), true, fixed_redaction());
  const auto dir = temp_dir("bundle");
  const std::string zip = (dir / "out.zip").string();
  ASSERT_FALSE(write_bundle(zip, p).has_value());
  auto entries = read_zip(zip);
  ASSERT_TRUE(entries.ok()) << entries.error().detail;
  ASSERT_EQ(entries->size(), 3u);
  for (const auto& e : *entries) {
    EXPECT_FALSE(e.data.empty()) << e.name;
    EXPECT_EQ(leaks(e.data), std::vector<std::string>{}) << "in " << e.name;
  }
  EXPECT_NE(p.json.find("\"redacted\": true"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Redaction, NoRedactKeepsEverythingAndMarksIt) {
  const auto p = prepare_report(sample_report(), planted_log(), false, fixed_redaction());
  EXPECT_NE(p.json.find("\"redacted\": false"), std::string::npos);
  EXPECT_NE(p.html.find("badge unredacted"), std::string::npos);
  EXPECT_NE(p.json.find(Planted::holder), std::string::npos);
  EXPECT_NE(p.json.find(Planted::national_id), std::string::npos);
  EXPECT_NE(p.html.find(Planted::token_serial), std::string::npos);
  EXPECT_NE(p.log.find(Planted::ipv4), std::string::npos);
}

TEST(Redaction, SerialsBecomeStableSaltedTokens) {
  Redactor a(fixed_redaction());
  const std::string t = a.serial_token(Planted::token_serial);
  EXPECT_EQ(t.size(), 9u);
  EXPECT_EQ(t.rfind("sn#", 0), 0u);
  EXPECT_EQ(t, a.serial_token(Planted::token_serial)) << "same card, same token within a report";
  EXPECT_EQ(a.serial_token("5a:3f:1c:9d"), a.serial_token("5A3F1C9D")) << "formats of one serial agree";
  EXPECT_NE(t, a.serial_token("TP07240513190396"));
  auto other = fixed_redaction();
  other.salt = "another report";
  EXPECT_NE(t, Redactor(other).serial_token(Planted::token_serial)) << "salt differs between reports";
  // Random salts (the default) differ between two reports.
  RedactionOptions random;
  random.use_system_identity = false;
  EXPECT_NE(Redactor(random).serial_token(Planted::token_serial), Redactor(random).serial_token(Planted::token_serial));

  // The token for the card serial is the same in evidence and in free text.
  Report r = Redactor(fixed_redaction()).redact(sample_report());
  const std::string json = to_json(r).dump();
  const std::string token = Redactor(fixed_redaction()).serial_token(Planted::token_serial);
  EXPECT_NE(json.find(token), std::string::npos);
}

TEST(Redaction, SubjectKeepsItsShapeButNotThePerson) {
  Report r = Redactor(fixed_redaction()).redact(sample_report());
  const auto& certs = r.results[5].evidence["certificates"][0];
  const std::string subject = certs["subject"].get<std::string>();
  EXPECT_EQ(subject.rfind("C=TW, CN=[name], serialNumber=sn#", 0), 0u) << subject;
  EXPECT_EQ(certs["issuer"], "C=TW, O=行政院, OU=內政部憑證管理中心") << "the CA is not personal";
  EXPECT_EQ(certs["der_base64"].get<std::string>().rfind("[removed, ", 0), 0u);
  EXPECT_EQ(r.results[5].summary.zh_TW, "讀到 [name] 的簽章與加密憑證");
}

TEST(Redaction, CaNamesAndGenericWordsStay) {
  Report r = sample_report(Lang::en);
  r.environment["user"] = "root";  // the lab and many containers run as root
  r.results[0].summary.en = "The certificate does not chain to a trusted root";
  r.results[0].evidence["chain"] = Json::array({Json{{"subject", "C=TW, O=行政院, OU=內政部憑證管理中心"}},
                                                Json{{"subject", "C=TW, O=行政院, CN=CertWiz Lab Root CA - G3"}},
                                                Json{{"subject", "C=TW, O=綠源環保科技股份有限公司, serialNumber=83124560"}}});
  const Report red = Redactor(fixed_redaction()).redact(r);
  EXPECT_EQ(red.results[0].summary.en, "The certificate does not chain to a trusted root");
  EXPECT_EQ(red.environment["user"], "[user]");
  const auto& chain = red.results[0].evidence["chain"];
  EXPECT_EQ(chain[0]["subject"], "C=TW, O=行政院, OU=內政部憑證管理中心");
  EXPECT_EQ(chain[1]["subject"], "C=TW, O=行政院, CN=CertWiz Lab Root CA - G3");
  EXPECT_EQ(chain[2]["subject"].get<std::string>().rfind("C=TW, O=[redacted], serialNumber=sn#", 0), 0u)
      << chain[2]["subject"];
}

TEST(Redaction, KeepUbnKeepsTheCompanyButNotThePerson) {
  auto o = fixed_redaction();
  o.keep_ubn = true;
  const auto p = prepare_report(sample_report(), "", true, o);
  EXPECT_NE(p.json.find(Planted::ubn), std::string::npos);
  EXPECT_NE(p.json.find(Planted::company), std::string::npos);
  EXPECT_EQ(p.json.find(Planted::holder), std::string::npos);
  EXPECT_EQ(p.json.find(Planted::national_id), std::string::npos);
}

TEST(Redaction, FreeTextPatterns) {
  Redactor r(fixed_redaction());
  EXPECT_EQ(r.scrub("身分證字號B220493112已驗證"), "身分證字號[national-id]已驗證");
  EXPECT_EQ(r.scrub("resident AC01234567 and F800000001"), "resident [national-id] and [national-id]");
  EXPECT_EQ(r.scrub("from 10.1.2.3 via 127.0.0.1:61161"), "from [ip] via 127.0.0.1:61161");
  EXPECT_EQ(r.scrub("version 1.2.3.4.5 and 3.0.11"), "version 1.2.3.4.5 and 3.0.11");
  EXPECT_EQ(r.scrub("hw 3C-52-82-AA-BB-CC"), "hw [mac]");
  const std::string fp = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
  EXPECT_EQ(r.scrub("sha1 " + fp), "sha1 " + fp) << "a fingerprint is not a MAC";
  EXPECT_EQ(r.scrub("addr 2001:db8:85a3::8a2e:370:7334 and ::1"), "addr [ip] and ::1");
  EXPECT_EQ(r.scrub("at 12:34:56 in std::string"), "at 12:34:56 in std::string");
  EXPECT_EQ(r.scrub("/root/.config/x and root CA and /home/bob/p.so"), "~/.config/x and root CA and ~/p.so");
  EXPECT_EQ(r.scrub("C:\\Users\\bob\\AppData"), "~\\AppData");
  EXPECT_EQ(r.scrub("user alice on alice-laptop; malice stays"), "user [user] on [host]; malice stays");
  EXPECT_EQ(r.scrub("mail a.b@example.com.tw now"), "mail [email] now");
  EXPECT_EQ(r.scrub("call 0912-345-678"), "call [phone]");
  EXPECT_EQ(r.scrub("ubn 83124560 but not 20240513 nor 12345678"), "ubn [ubn] but not 20240513 nor 12345678");
  EXPECT_EQ(r.scrub("card TP07240513190395").rfind("card sn#", 0), 0u);
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
  EXPECT_EQ(r.scrub("x " + pem + " y"), "x [pem removed] y");
  const std::string blob(120, 'Q');
  EXPECT_EQ(r.scrub("b64 " + blob + "9x"), "b64 [base64 removed, 122 chars]");
  auto keep = fixed_redaction();
  keep.keep_ubn = true;
  EXPECT_EQ(Redactor(keep).scrub("ubn 83124560"), "ubn 83124560");
}

TEST(Redaction, LongAndHostileInputDoesNotBreakTheScrubber) {
  Redactor r(fixed_redaction());
  std::string big;
  for (int i = 0; i < 2000; ++i) big += "10.0.0." + std::to_string(i % 250) + " A123456789 :: ";
  const std::string out = r.scrub(big);
  EXPECT_EQ(out.find("A123456789"), std::string::npos);
  EXPECT_EQ(out.find("10.0.0."), std::string::npos);
  std::string bin;
  for (int i = 0; i < 256; ++i) bin += static_cast<char>(i);
  EXPECT_NO_THROW(r.scrub(bin + std::string(100000, 'A') + bin));
}

// Every kind of personal value issue 15 found kept (and the kinds before it), planted
// where a run puts it: a holder certificate's evidence (JSON), a check's summary and
// detail (HTML and JSON) and the log. None may survive in any file, the bundle's
// included; unredacted, every one is there (so the check is not vacuous).
struct PlantedKind {
  const char* kind;
  std::string in_text;  // how it appears in a summary or a log line
  std::string value;    // what must not survive
};

std::vector<PlantedKind> planted_kinds() {
  return {
      {"national ID", "身分證 A123456789 核對", "A123456789"},
      {"national ID after an underscore", "file id_B220493112.json", "B220493112"},
      {"national ID inside Chinese text", "身分證字號F131058274已驗證", "F131058274"},
      {"UBN ending a sentence", "統一編號 83124560.", "83124560"},
      {"UBN after an underscore", "company_ubn_12345675 listed", "12345675"},
      {"IPv4 ending a sentence", "connected from 192.168.1.23.", "192.168.1.23"},
      {"IPv4 after an underscore", "peer_203.0.113.7 refused", "203.0.113.7"},
      {"IPv6", "via fe80::1c2b:3dff:fe4e:5f60 now", "fe80::1c2b:3dff:fe4e:5f60"},
      {"MAC address", "hw 3c:52:82:aa:bb:cc up", "3c:52:82:aa:bb:cc"},
      {"e-mail", "mail xiaoming.wang@example.tw now", "xiaoming.wang@example.tw"},
      {"mobile phone", "手機 0912-345-678", "0912-345-678"},
      {"landline with dashes", "call 02-2345-6789 today", "2345-6789"},
      {"landline in brackets", "電話(02)23456789分機", "23456789"},
      {"landline with spaces and extension", "tel 04 2359 1234#215", "2359 1234"},
      {"international mobile", "call +886912345678.", "886912345678"},
      {"international landline", "phone +886-2-2345-6788 ok", "2345-6788"},
      {"home folder", "loaded /home/alice/.certwiz/x.pem", "/home/alice"},
      {"host name", "on alice-laptop now", "alice-laptop"},
      {"token serial", "token TP07240513190395 found", "TP07240513190395"},
  };
}

// A holder certificate whose DN has OU and CN but no serialNumber (醫事人員 cards) and
// one whose company name holds a comma, each with its key identifier and fingerprint.
constexpr const char* kHealthHolder = "王大明";
constexpr const char* kHealthOrg = "臺北榮民總醫院";
constexpr const char* kCommaCompany = "Acme Trading Co., Ltd.";
constexpr const char* kHolderSki = "FA:9B:34:12:77:0C:1D:2E:3F:40:51:62:73:84:95:A6:B7:C8:D9:EA";
constexpr const char* kHolderFingerprint =
    "C4:C4:10:20:30:40:50:60:70:80:90:A0:B0:C0:D0:E0:F0:01:12:23:34:45:56:67:78:89:9A:AB:BC:CD:DE:EF";
constexpr const char* kCaSki = "3E:7A:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22";

std::string bare_lower(std::string s) {
  std::erase(s, ':');
  return lower(s);
}

Report report_with_every_kind() {
  Report r = sample_report(Lang::en);
  Json certs = Json::array();
  certs.push_back(Json{{"subject", std::string("C=TW, O=") + kHealthOrg + ", OU=醫事人員, CN=" + kHealthHolder},
                       {"issuer", "C=TW, O=行政院, OU=衛生福利部醫事憑證管理中心"},
                       {"subject_key_id", kHolderSki},
                       {"authority_key_id", kCaSki},
                       {"sha256_fingerprint", kHolderFingerprint}});
  certs.push_back(Json{{"subject", std::string("C=TW, O=") + kCommaCompany + ", serialNumber=12345675"},
                       {"issuer", "C=TW, O=行政院, OU=工商憑證管理中心"},
                       {"subject_key_id", "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D"}});
  certs.push_back(Json{{"subject", "C=TW, O=行政院, OU=衛生福利部醫事憑證管理中心"}, {"subject_key_id", kCaSki}});
  r.results[5].evidence["more_certificates"] = certs;
  std::string summary = "Planted:", log;
  for (const auto& k : planted_kinds()) {
    summary += " " + k.in_text + " |";
    log += "   1.0 ms info  [test] " + k.in_text + "\n";
  }
  // The log names the holder's certificate by key identifier and fingerprint, in the
  // spellings tools print (colons, bare lowercase).
  log += std::string("   1.1 ms debug [cert] ski ") + bare_lower(kHolderSki) + " fingerprint " + kHolderFingerprint +
         " subject C=TW, O=" + kCommaCompany + ", serialNumber=12345675\n";
  r.results[4].summary = {summary, summary};
  r.results[4].detail = summary;
  r.results[4].evidence["note"] = summary;
  r.results[4].evidence["log_tail"] = log;
  return r;
}

std::vector<std::string> every_kind_values() {
  std::vector<std::string> v;
  for (const auto& k : planted_kinds()) v.push_back(k.value);
  for (const char* s : {kHealthHolder, kHealthOrg, kCommaCompany, "Acme Trading", "], Ltd.", kHolderSki, kHolderFingerprint})
    v.emplace_back(s);
  v.push_back(bare_lower(kHolderSki));
  v.push_back(bare_lower(kHolderFingerprint));
  return v;
}

std::string log_of(const Report& r) { return r.results[4].evidence["log_tail"].get<std::string>(); }

TEST(Redaction, EveryKindIsRedactedInJsonHtmlLogAndBundle) {
  const Report r = report_with_every_kind();
  const auto p = prepare_report(r, log_of(r), true, fixed_redaction());
  const auto dir = temp_dir("every-kind");
  const std::string zip = (dir / "every.zip").string();
  ASSERT_FALSE(write_bundle(zip, p).has_value());
  auto entries = read_zip(zip);
  ASSERT_TRUE(entries.ok()) << entries.error().detail;
  std::vector<std::pair<std::string, std::string>> files = {{"json", p.json}, {"html", p.html}, {"log", p.log}};
  for (const auto& e : *entries) files.emplace_back("bundle " + e.name, e.data);
  const auto values = every_kind_values();
  for (const auto& [name, data] : files)
    for (const auto& v : values) EXPECT_EQ(data.find(v), std::string::npos) << v << " survives in " << name;
  // Unredacted, every planted value is really there in JSON, HTML and the log.
  const auto raw = prepare_report(r, log_of(r), false, fixed_redaction());
  for (const auto& k : planted_kinds()) {
    EXPECT_NE(raw.json.find(k.value), std::string::npos) << k.kind;
    EXPECT_NE(raw.html.find(k.value), std::string::npos) << k.kind;
    EXPECT_NE(raw.log.find(k.value), std::string::npos) << k.kind;
  }
  EXPECT_NE(raw.json.find(kHolderSki), std::string::npos);
  EXPECT_NE(raw.log.find(bare_lower(kHolderSki)), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Each kind on its own, with what it becomes: a placeholder naming the kind.
TEST(Redaction, EachKindBecomesItsPlaceholder) {
  Redactor r(fixed_redaction());
  EXPECT_EQ(r.scrub("file id_B220493112.json"), "file id_[national-id].json");
  EXPECT_EQ(r.scrub("統一編號 83124560."), "統一編號 [ubn].");
  EXPECT_EQ(r.scrub("connected from 192.168.1.23."), "connected from [ip].");
  EXPECT_EQ(r.scrub("peer_203.0.113.7 refused"), "peer_[ip] refused");
  EXPECT_EQ(r.scrub("call 02-2345-6789 today"), "call [phone] today");
  EXPECT_EQ(r.scrub("電話(02)23456789分機"), "電話[phone]分機");
  EXPECT_EQ(r.scrub("call +886912345678."), "call [phone].");
  EXPECT_EQ(r.scrub("phone +886-2-2345-6788 ok"), "phone [phone] ok");
  // What only looks like one stays: versions, dates, serial tokens, a checksum-invalid
  // 8-digit number, times, a CA's SKI-like hex without a holder.
  EXPECT_EQ(r.scrub("version 1.3.4.3.1 and 3.0.11. and 1.2.3.4.5"), "version 1.3.4.3.1 and 3.0.11. and 1.2.3.4.5");
  EXPECT_EQ(r.scrub("on 20240513. count 12345678."), "on 20240513. count 12345678.");
  EXPECT_EQ(r.scrub("at 2024-05-13T02:03:04Z took 1500.0 ms, rc 0x80100069"),
            "at 2024-05-13T02:03:04Z took 1500.0 ms, rc 0x80100069");
  EXPECT_EQ(r.scrub("XA1234567890 and A1234567890"), "XA1234567890 and A1234567890");
}

TEST(Redaction, DistinguishedNamesAreParsedNotSplitAtCommas) {
  Report rep = sample_report(Lang::en);
  rep.results[0].evidence["certs"] = Json::array(
      {Json{{"subject", "C=TW, O=Acme Trading Co., Ltd., serialNumber=12345675"}},
       Json{{"subject", "C=TW, O=臺北榮民總醫院, OU=醫事人員, CN=王大明"}},
       Json{{"subject", "CN=王大明\\, 醫師,OU=醫事人員,O=\"Acme, Inc.\",C=TW"}},
       Json{{"subject", "/C=TW/O=Acme/B Co./CN=王小華"}},
       Json{{"subject", "C=TW, O=行政院, OU=衛生福利部醫事憑證管理中心"}},
       Json{{"subject", "C=TW, O=CertWiz Lab, CN=127.0.0.1"}},
       Json{{"subject", "C=TW, O=行政院, CN=CertWiz Lab Root CA - G3"}},
       Json{{"subject", "王大明 (card 2), CN=x"}}});
  auto o = fixed_redaction();
  const Report out = Redactor(o).redact(rep);
  const auto& c = out.results[0].evidence["certs"];
  const std::string sn = Redactor(o).serial_token("12345675");
  EXPECT_EQ(c[0]["subject"], "C=TW, O=[redacted], serialNumber=" + sn);
  EXPECT_EQ(c[1]["subject"], "C=TW, O=[redacted], OU=醫事人員, CN=[name]");
  EXPECT_EQ(c[2]["subject"], "CN=[name],OU=醫事人員,O=[redacted],C=TW");
  EXPECT_EQ(c[3]["subject"], "/C=TW/O=[redacted]/CN=[name]");
  EXPECT_EQ(c[4]["subject"], "C=TW, O=行政院, OU=衛生福利部醫事憑證管理中心") << "a CA is not personal";
  EXPECT_EQ(c[5]["subject"], "C=TW, O=CertWiz Lab, CN=127.0.0.1") << "a server is not personal";
  EXPECT_EQ(c[6]["subject"], "C=TW, O=行政院, CN=CertWiz Lab Root CA - G3");
  EXPECT_EQ(c[7]["subject"], "[redacted]") << "a subject that is no DN is redacted whole";
  // The values are learned whole: the company's name is gone from free text too.
  Redactor learned(o);
  Report mention = rep;
  mention.results[0].summary.en = "Acme Trading Co., Ltd. and Acme, Inc. signed";
  EXPECT_EQ(learned.redact(mention).results[0].summary.en, "[redacted] and [redacted] signed");
}

TEST(Redaction, HolderKeyIdAndFingerprintGoButTheCasStay) {
  const Report r = report_with_every_kind();
  const Report out = Redactor(fixed_redaction()).redact(r);
  const auto& certs = out.results[5].evidence["more_certificates"];
  EXPECT_EQ(certs[0]["subject_key_id"], "[key-id]");
  EXPECT_EQ(certs[0]["sha256_fingerprint"], "[fingerprint]");
  EXPECT_EQ(certs[0]["authority_key_id"], kCaSki) << "the issuing CA's key id says which CA (G2 or G3)";
  EXPECT_EQ(certs[1]["subject_key_id"], "[key-id]");
  EXPECT_EQ(certs[2]["subject_key_id"], kCaSki) << "a CA's own key id stays";
}

// A PIN can never reach a report: it has no path into the model, and a value under a
// secret-looking key is dropped even if a probe erred.
TEST(Redaction, PinNeverReachesAReport) {
  static_assert(!std::is_convertible_v<const Secret&, std::string>);
  static_assert(!std::is_constructible_v<Json, const Secret&>);
  static_assert(!std::is_copy_constructible_v<Secret>);

  RunOptions options;
  options.pin = std::make_shared<Secret>(Planted::pin);
  const Json env = environment_facts(options);
  EXPECT_EQ(env["pin_supplied"], true);
  EXPECT_EQ(env.dump().find(Planted::pin), std::string::npos);

  Report r = sample_report();
  r.results[0].evidence["pin"] = Planted::pin;
  r.results[0].evidence["login"] = Json{{"user_pin", Planted::pin}, {"so_password", "s3cret-so"}};
  for (bool redact : {true, false}) {
    const auto p = prepare_report(r, "", redact, fixed_redaction());
    for (const std::string* s : {&p.json, &p.html, &p.log}) {
      EXPECT_EQ(s->find(Planted::pin), std::string::npos) << "redact=" << redact;
      EXPECT_EQ(s->find("s3cret-so"), std::string::npos) << "redact=" << redact;
    }
  }
}

// A proxy login ("http://user:password@proxy") is a secret like a PIN: hidden in every
// file, redacted or not, wherever a probe put it (environment, evidence, summary,
// detail, log).
TEST(Redaction, ProxyCredentialsNeverReachAReport) {
  const std::string url = "http://corp-user:Pr0xy-pw@10.9.8.7:3128";
  RunOptions options;
  options.proxy = url;
  Report r = sample_report();
  r.environment = environment_facts(options);
  r.results[0].evidence["proxy"] = url;
  r.results[0].evidence["settings"] = Json::array({Json{{"url", url}}});
  r.results[0].summary = {"經由 " + url, "Through " + url};
  r.results[0].detail = "curl: proxy " + url + " said no";
  for (bool redact : {true, false}) {
    const auto p = prepare_report(r, "[net] using " + url + "\n", redact, fixed_redaction());
    for (const std::string* s : {&p.json, &p.html, &p.log}) {
      EXPECT_EQ(s->find("Pr0xy-pw"), std::string::npos) << "redact=" << redact;
      EXPECT_EQ(s->find("corp-user"), std::string::npos) << "redact=" << redact;
    }
    // Unredacted, the proxy's address stays for the helpdesk; only the login is gone.
    if (!redact) {
      EXPECT_NE(p.json.find("http://***@10.9.8.7:3128"), std::string::npos);
    }
  }
}

TEST(Redaction, SystemIdentityIsScrubbed) {
  RedactionOptions o;
  o.salt = "x";
  Redactor r(o);
  const LocalIdentity id = local_identity();
  for (const auto& h : id.host_names) {
    if (h.size() < 3 || h == "localhost") continue;  // too short to scrub from free text safely
    EXPECT_EQ(r.scrub("on " + h + " now").find(h), std::string::npos) << h;
  }
  Report rep;
  rep.environment = system_facts();
  const Report red = r.redact(rep);
  EXPECT_EQ(red.environment["hostname"], "[host]");
  if (red.environment.contains("home")) {
    EXPECT_EQ(red.environment["home"], "~");
  }
}

// "1.3.4.3" is the local signing component's version, not an address: a dotted number
// under a version key stays, in the evidence and wherever the same text appears.
TEST(Redaction, VersionsThatLookLikeAddressesStay) {
  Report r = sample_report();
  r.results[0].evidence["server_version"] = "1.3.4.3";
  r.results[0].evidence["site_minimum"] = "1.3.4.2";
  r.results[0].evidence["peer"] = "192.168.7.20";
  r.results[0].summary = {"元件 1.3.4.3 執行中", "Component 1.3.4.3 running, peer 192.168.7.20"};
  Redactor red(fixed_redaction());
  const Report out = red.redact(r);
  EXPECT_EQ(out.results[0].evidence["server_version"], "1.3.4.3");
  EXPECT_EQ(out.results[0].evidence["site_minimum"], "1.3.4.2");
  EXPECT_EQ(out.results[0].evidence["peer"], "[ip]");
  EXPECT_EQ(out.results[0].summary.en, "Component 1.3.4.3 running, peer [ip]");
}

}  // namespace
}  // namespace certwiz::report

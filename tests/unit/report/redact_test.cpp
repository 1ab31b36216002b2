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

// The adapter over pkcs11.tokens evidence and the diagnosis checks built on it.
#include <gtest/gtest.h>

#include "checks/pkcs11/token.h"

#include <openssl/evp.h>

#include "checks/cert/card_certs.h"
#include "checks/cert/checks.h"
#include "checks/cert/findings.h"
#include "checks/cert/revocation.h"
#include "checks/core/runner.h"
#include "tests/unit/cert/test_pki.h"

namespace certwiz::cert {
namespace {

using namespace testing;

std::string b64(const std::string& der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(der.data()),
                                static_cast<int>(der.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

struct Card {
  Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -100, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  Issued ca = make_cert({{{"C", "TW"}, {"O", "行政院"}, {"OU", "工商憑證管理中心"}}, -100, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
  Issued leaf(const std::string& key_usage, long not_after_days, const std::string& ubn_ext, std::vector<std::string> crl = {}) {
    CertSpec s;
    s.subject = {{"C", "TW"}, {"O", "綠源環保科技股份有限公司"}, {"serialNumber", "83124560"}};
    s.key_usage = key_usage;
    s.not_after_days = not_after_days;
    s.directory_attributes = {{"2.16.886.1.100.2.101", ubn_ext}};
    s.crl_urls = std::move(crl);
    return make_cert(s, &ca);
  }
};

Json token_json(const std::string& sign_der, const std::string& keyx_der, const std::string& ca_der) {
  Json certs = Json::array();
  if (!sign_der.empty()) certs.push_back({{"id", "5349474e"}, {"label", "SIGN"}, {"der_base64", b64(sign_der)}});
  if (!keyx_der.empty()) certs.push_back({{"id", "4B455958"}, {"label", "KEYX"}, {"der_base64", b64(keyx_der)}});
  if (!ca_der.empty()) certs.push_back({{"id", "4341"}, {"label", "MOEACA"}, {"der_base64", b64(ca_der)}});
  return {{"slot_id", 1}, {"reader", "Virtual PCD 00 00"}, {"label", "HiCOS PKI Smart Card"}, {"serial", "TP07240513190395"},
          {"certificates", certs}};
}

TEST(CardCertificates, AdapterReadsTokensEvidence) {
  Card card;
  const Issued sign = card.leaf("critical,digitalSignature,nonRepudiation", 400, "83124560");
  const Issued keyx = card.leaf("critical,keyEncipherment", 400, "83124560");
  const Json evidence = {{"tokens", Json::array({token_json(sign.der(), keyx.der(), card.ca.der())})}};
  auto tokens = card_tokens_from_evidence(evidence);
  ASSERT_TRUE(tokens.ok()) << tokens.error().detail;
  ASSERT_EQ(tokens->size(), 1u);
  const CardToken& t = tokens->front();
  EXPECT_EQ(t.slot_id, 1u);
  EXPECT_EQ(t.reader, "Virtual PCD 00 00");
  EXPECT_EQ(t.serial, "TP07240513190395");
  ASSERT_EQ(t.certificates.size(), 3u);
  ASSERT_NE(t.find(CardCertRole::sign), nullptr);
  EXPECT_EQ(t.find(CardCertRole::sign)->der, sign.der());
  ASSERT_NE(t.find(CardCertRole::keyx), nullptr);  // upper-case hex id still matches
  EXPECT_EQ(t.find(CardCertRole::keyx)->der, keyx.der());
  EXPECT_EQ(t.ca_certificates(), std::vector<std::string>{card.ca.der()});
}

TEST(CardCertificates, AdapterRejectsWrongShapesAndKeepsBrokenBase64Visible) {
  EXPECT_EQ(card_tokens_from_evidence(Json::array()).error().code, "CERT-MALFORMED");
  EXPECT_FALSE(card_tokens_from_evidence(Json{{"tokens", 3}}).ok());
  EXPECT_FALSE(card_tokens_from_evidence(Json{{"tokens", Json::array({"x"})}}).ok());
  EXPECT_FALSE(card_tokens_from_evidence(Json{{"tokens", Json::array({Json{{"certificates", "x"}}})}}).ok());
  auto empty = card_tokens_from_evidence(Json{{"tokens", Json::array()}});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  const Json broken = {{"tokens", Json::array({Json{{"certificates", Json::array({Json{{"id", "5349474e"}, {"der_base64", "%%%"}}})}}})}};
  auto t = card_tokens_from_evidence(broken);
  ASSERT_TRUE(t.ok());
  ASSERT_NE(t->front().find(CardCertRole::sign), nullptr);
  EXPECT_TRUE(t->front().find(CardCertRole::sign)->der.empty());
}

// The model pkcs11.tokens publishes (pkcs11::TokenInventory) for evidence in its shape.
pkcs11::TokenInventory inventory_of(const Json& evidence) {
  pkcs11::TokenInventory inv;
  for (const auto& t : evidence.value("tokens", Json::array())) {
    pkcs11::Token token;
    token.slot_id = t.value("slot_id", 0UL);
    token.reader = t.value("reader", "");
    token.label = t.value("label", "");
    token.serial = t.value("serial", "");
    for (const auto& c : t.value("certificates", Json::array()))
      token.certificates.push_back({c.value("id", ""), c.value("label", ""), c.value("der_base64", "")});
    inv.tokens.push_back(std::move(token));
  }
  return inv;
}

// Runs the module's checks after a stand-in for pkcs11.tokens that reports `evidence`
// (and the same cards as its typed model, which the checks read).
std::map<std::string, CheckResult> run_with(const Json& evidence, const RunOptions& options, Status tokens_status = Status::pass) {
  Check tokens;
  tokens.id = kTokensCheckId;
  tokens.title = {"卡片", "tokens"};
  tokens.run = [evidence, tokens_status](const CheckContext&) {
    CheckResult r = CheckResult::pass({"ok", "ok"}, evidence);
    r.status = tokens_status;
    r.set_model(inventory_of(evidence));
    return r;
  };
  std::vector<Check> checks = {tokens};
  for (auto& c : cert_checks(options)) checks.push_back(std::move(c));
  std::map<std::string, CheckResult> out;
  for (auto& r : run_checks(checks, {})) out[r.id] = std::move(r);
  return out;
}

TEST(CertChecks, BusinessCardEndToEnd) {
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  TempDir dir;
  WebServer web;
  Card card;
  const Issued sign = card.leaf("critical,digitalSignature,nonRepudiation", 400, "83124560", {web.url("/moeaca.crl")});
  // KEYX expired and its UBN disagrees with the subject.
  const Issued keyx = card.leaf("critical,keyEncipherment", -1, "12345675", {web.url("/moeaca.crl")});
  web.put("/moeaca.crl", make_crl(card.ca, {}, -1, 24));
  RunOptions options;
  options.extra_trust_anchors = {write_file(dir.path() / "root.pem", card.root.pem())};
  options.cache_dir = (dir.path() / "cache").string();
  const Json evidence = {{"tokens", Json::array({token_json(sign.der(), keyx.der(), card.ca.der())})}};
  auto r = run_with(evidence, options);

  ASSERT_EQ(r.size(), 9u);
  EXPECT_EQ(r["cert.sign.identity"].status, Status::pass) << r["cert.sign.identity"].detail;
  const Json& id = r["cert.sign.identity"].evidence["certificates"][0];
  EXPECT_EQ(id["card_kind"], "business");
  EXPECT_EQ(id["ubn"], "83124560");
  EXPECT_EQ(id["token_serial"], "TP07240513190395");
  EXPECT_EQ(r["cert.sign.validity"].status, Status::pass);
  EXPECT_EQ(r["cert.sign.chain"].status, Status::pass) << r["cert.sign.chain"].detail;
  EXPECT_EQ(r["cert.sign.chain"].evidence["certificates"][0]["chain"].size(), 3u);
  EXPECT_EQ(r["cert.sign.revocation"].status, Status::pass) << r["cert.sign.revocation"].detail;

  EXPECT_EQ(r["cert.keyx.identity"].code, "CERT-UBN-MISMATCH");
  EXPECT_EQ(r["cert.keyx.identity"].status, Status::fail);
  EXPECT_FALSE(r["cert.keyx.identity"].remedy.empty());
  EXPECT_EQ(r["cert.keyx.validity"].code, "CERT-EXPIRED");
  EXPECT_EQ(r["cert.keyx.chain"].status, Status::pass);
  // SIGN and KEYX share the CRL: one download between them.
  EXPECT_EQ(web.requests("/moeaca.crl"), 1);

  // The checks' findings, joined for the front ends: one line per card and use, with
  // the worst verdict of its four checks.
  const auto lines = card_certificates([&r](const std::string& check) -> const CheckResult* {
    auto it = r.find(check);
    return it == r.end() ? nullptr : &it->second;
  });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].role, CardCertRole::sign);
  EXPECT_EQ(lines[0].status, Status::pass);
  EXPECT_EQ(lines[0].card_kind, CardKind::business);
  EXPECT_EQ(lines[0].holder_name, id["holder_name"].get<std::string>());
  EXPECT_EQ(lines[0].issuer, id["issuer"].get<std::string>());
  EXPECT_EQ(lines[0].valid_until, r["cert.sign.validity"].evidence["certificates"][0]["not_after"].get<std::string>().substr(0, 10));
  EXPECT_EQ(lines[1].role, CardCertRole::keyx);
  EXPECT_EQ(lines[1].status, Status::fail);
  // The evidence is written from the model.
  ASSERT_NE(r["cert.sign.identity"].model<CertFindings>(), nullptr);
  EXPECT_EQ(to_json(*r["cert.sign.identity"].model<CertFindings>()), r["cert.sign.identity"].evidence);
}

TEST(CertChecks, MissingCertificatesAndUnknownCa) {
  TempDir dir;
  Card card;
  Card stranger;  // not trusted
  const Issued sign = stranger.leaf("critical,digitalSignature", 400, "83124560");
  RunOptions options;
  options.extra_trust_anchors = {write_file(dir.path() / "root.pem", card.root.pem())};
  options.cache_dir = (dir.path() / "cache").string();
  auto r = run_with({{"tokens", Json::array({token_json(sign.der(), "", stranger.ca.der())})}}, options);
  EXPECT_EQ(r["cert.sign.chain"].code, "CERT-UNKNOWN-CA");
  EXPECT_EQ(r["cert.sign.revocation"].status, Status::skipped);  // blocked by the chain
  EXPECT_EQ(r["cert.keyx.identity"].code, "CERT-NOT-ON-CARD");

  auto none = run_with({{"tokens", Json::array()}}, options);
  EXPECT_EQ(none["cert.sign.identity"].status, Status::skipped);

  auto failed = run_with({{"tokens", Json::array()}}, options, Status::fail);
  EXPECT_EQ(failed["cert.sign.chain"].status, Status::skipped);
  EXPECT_EQ(failed["cert.sign.chain"].evidence["blocked_by"], kTokensCheckId);
}

TEST(CertChecks, NearExpiryWarnsWithTheConfiguredWindow) {
  TempDir dir;
  Card card;
  const Issued sign = card.leaf("critical,digitalSignature", 20, "83124560");
  RunOptions options;
  options.extra_trust_anchors = {write_file(dir.path() / "root.pem", card.root.pem())};
  options.cache_dir = (dir.path() / "cache").string();
  const Json ev = {{"tokens", Json::array({token_json(sign.der(), "", card.ca.der())})}};
  EXPECT_EQ(run_with(ev, options)["cert.sign.validity"].code, "CERT-EXPIRING-SOON");
  options.expiry_warning_days = 10;
  EXPECT_EQ(run_with(ev, options)["cert.sign.validity"].status, Status::pass);
}

}  // namespace
}  // namespace certwiz::cert

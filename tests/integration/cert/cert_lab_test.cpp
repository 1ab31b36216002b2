// checks/cert against the lab's PKI and its OCSP/CRL services (run inside the lab:
// CERTWIZ_LAB_CARDS describes the cards, CERTWIZ_LAB_TRUST is the lab root).
#include <gtest/gtest.h>

#include "checks/pkcs11/token.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "checks/cert/checks.h"
#include "checks/cert/verify.h"
#include "checks/core/runner.h"

namespace certwiz::cert {
namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string der_of(const std::string& pem_path) {
  auto info = parse_certificate(read(pem_path));
  EXPECT_TRUE(info.ok()) << pem_path;
  return info.ok() ? info->der : std::string();
}

std::string plain_hex(std::string s) {
  std::string out;
  for (char c : s)
    if (c != ':') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class CertLab : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(env("CERTWIZ_LAB_CARDS").empty()) << "run inside the lab (certwiz_lab_gtest)";
    std::ifstream in(env("CERTWIZ_LAB_CARDS"));
    cards = Json::parse(in);
    trust_file = env("CERTWIZ_LAB_TRUST");
    ASSERT_TRUE(fs::exists(trust_file));
    cache = fs::temp_directory_path() / ("certwiz-cert-lab-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(cache);
  }
  void TearDown() override { fs::remove_all(cache); }

  // Every lab CA certificate as a card-supplied intermediate: the generation (G2/G3,
  // same DN) must be picked by key.
  std::vector<std::string> all_lab_cas() const {
    std::vector<std::string> out;
    for (const char* ca : {"moica-g2", "moica-g3", "moeaca", "unknown-ca"}) out.push_back(der_of(cards["cas"][ca]["cert"]));
    return out;
  }

  VerifyOptions options() const {
    VerifyOptions o;
    o.extra_anchor_files = {trust_file};
    o.revocation.cache_dir = (cache / "crl").string();
    o.revocation.ocsp_timeout = std::chrono::seconds(5);
    o.revocation.crl_timeout = std::chrono::seconds(20);
    return o;
  }

  const Json& card(const std::string& name) const { return cards["cards"][name]; }

  Json cards;
  std::string trust_file;
  fs::path cache;
};

TEST_F(CertLab, CitizenAndBusinessCardsVerifyGood) {
  for (const std::string name : {"citizen", "business", "g2-citizen"}) {
    const Json& c = card(name);
    for (const char* which : {"sign_cert", "keyx_cert"}) {
      VerifyOptions o = options();
      o.require_digital_signature = std::string(which) == "sign_cert";
      const CertReport r = verify_certificate(der_of(c[which]), all_lab_cas(), o);
      EXPECT_TRUE(r.accepted()) << name << " " << which << ": " << to_json(r).dump();
      EXPECT_EQ(r.status(), Status::pass) << name << " " << which << ": " << to_json(r).dump();
      ASSERT_TRUE(r.chain.trusted) << name;
      ASSERT_EQ(r.chain.links.size(), 3u);
      EXPECT_EQ(plain_hex(r.chain.links[1].subject_key_id), plain_hex(cards["cas"][c["ca"].get<std::string>()]["ski"]))
          << name << ": wrong CA generation picked";
      EXPECT_EQ(r.chain.links[2].subject, "C=TW, O=行政院, CN=CertWiz Lab Root CA - G3");
      EXPECT_EQ(r.revocation.state, RevocationState::good) << r.revocation.detail();
      EXPECT_EQ(r.revocation.method, "ocsp");
      const CertIdentity& id = r.info->identity;
      if (name == "business") {
        EXPECT_EQ(id.card_kind, CardKind::business);
        EXPECT_EQ(id.ubn, c["identity"]["ubn"]);
        EXPECT_EQ(id.subject_serial, id.ubn);
        EXPECT_EQ(id.holder_name, c["identity"]["company_name"]);
      } else {
        EXPECT_EQ(id.card_kind, CardKind::citizen);
        EXPECT_EQ(id.ca_type, CaType::moica);
        EXPECT_EQ(id.holder_name, c["identity"]["name"]);
        EXPECT_EQ(id.id_last4, c["identity"]["national_id"].get<std::string>().substr(6));
      }
    }
  }
}

TEST_F(CertLab, ExpiredRevokedAndUnknownCaFailWithDistinctCodes) {
  const CertReport expired = verify_certificate(der_of(card("expired")["sign_cert"]), all_lab_cas(), options());
  const CertReport revoked = verify_certificate(der_of(card("revoked")["sign_cert"]), all_lab_cas(), options());
  const CertReport unknown = verify_certificate(der_of(card("unknown-ca")["sign_cert"]), all_lab_cas(), options());
  EXPECT_TRUE(expired.has("CERT-EXPIRED")) << to_json(expired).dump();
  EXPECT_FALSE(expired.has("CERT-UNKNOWN-CA"));
  EXPECT_TRUE(revoked.has("CERT-REVOKED")) << to_json(revoked).dump();
  EXPECT_EQ(revoked.revocation.reason, "keyCompromise");
  EXPECT_GT(revoked.revocation.revoked_at, 0);
  EXPECT_FALSE(revoked.has("CERT-EXPIRED"));
  EXPECT_TRUE(unknown.has("CERT-UNKNOWN-CA")) << to_json(unknown).dump();
  EXPECT_FALSE(unknown.revocation_checked);  // no trusted issuer to check answers against
  for (const auto* r : {&expired, &revoked, &unknown}) EXPECT_FALSE(r->accepted());
  const std::set<std::string> first_codes = {expired.problems.front().code, revoked.problems.front().code,
                                             unknown.problems.front().code};
  EXPECT_EQ(first_codes.size(), 3u);
}

TEST_F(CertLab, RevokedCardIsFoundOnTheCrlToo) {
  VerifyOptions o = options();
  o.revocation.use_ocsp = false;
  const CertReport r = verify_certificate(der_of(card("revoked")["sign_cert"]), all_lab_cas(), o);
  EXPECT_TRUE(r.has("CERT-REVOKED")) << to_json(r).dump();
  EXPECT_EQ(r.revocation.method, "crl");
  EXPECT_EQ(r.revocation.reason, "keyCompromise");
}

TEST_F(CertLab, OcspDownFallsBackToCrlAndBothDownIsUnknown) {
  // The lab cannot stop one responder, so the certificate's URLs are replaced by a dead port.
  const std::string dead = "http://127.0.0.1:9/";
  VerifyOptions o = options();
  o.revocation.ocsp_urls = {dead};
  const CertReport via_crl = verify_certificate(der_of(card("citizen")["sign_cert"]), all_lab_cas(), o);
  EXPECT_EQ(via_crl.revocation.state, RevocationState::good) << via_crl.revocation.detail();
  EXPECT_EQ(via_crl.revocation.method, "crl");
  // Second run: the CRL comes from the cache.
  const CertReport cached = verify_certificate(der_of(card("citizen")["sign_cert"]), all_lab_cas(), o);
  ASSERT_EQ(cached.revocation.attempts.size(), 2u);
  EXPECT_TRUE(cached.revocation.attempts[1].from_cache);

  o.revocation.crl_urls = {dead + "moica-g3.crl"};
  const CertReport unknown = verify_certificate(der_of(card("citizen")["sign_cert"]), all_lab_cas(), o);
  EXPECT_EQ(unknown.revocation.state, RevocationState::unknown);
  EXPECT_TRUE(unknown.has("CERT-REVOCATION-UNKNOWN"));
  EXPECT_FALSE(unknown.has("CERT-REVOKED"));
  EXPECT_EQ(unknown.status(), Status::warn);
  const CertReport revoked_unknown = verify_certificate(der_of(card("revoked")["sign_cert"]), all_lab_cas(), o);
  EXPECT_EQ(revoked_unknown.revocation.state, RevocationState::unknown);  // never "good" without an answer
}

std::string b64(const std::string& der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(der.data()),
                                static_cast<int>(der.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

TEST_F(CertLab, DiagnosisChecksOverTheLabCards) {
  // pkcs11.tokens' model (and evidence, from it) as checks/pkcs11 writes them, built from the lab's card files.
  pkcs11::TokenInventory inventory;
  for (const std::string name : {"citizen", "revoked"}) {
    const Json& c = card(name);
    pkcs11::Token t;
    t.reader = c["reader"].get<std::string>();
    t.label = c["token_label"].get<std::string>();
    t.serial = c["serial"].get<std::string>();
    t.certificates = {{"5349474e", "SIGN", b64(der_of(c["sign_cert"]))},
                      {"4b455958", "KEYX", b64(der_of(c["keyx_cert"]))},
                      {"434100", "CA", b64(der_of(c["issuer_cert"]))}};
    inventory.tokens.push_back(std::move(t));
  }
  Check tokens_check;
  tokens_check.id = kTokensCheckId;
  tokens_check.title = {"卡片", "tokens"};
  tokens_check.run = [inventory](const CheckContext&) {
    CheckResult r = CheckResult::pass({"ok", "ok"}, pkcs11::to_json(inventory));
    r.set_model(inventory);
    return r;
  };
  RunOptions ro;
  ro.extra_trust_anchors = {trust_file};
  ro.cache_dir = cache.string();
  std::vector<Check> checks = {tokens_check};
  for (auto& c : cert_checks(ro)) checks.push_back(std::move(c));
  std::map<std::string, CheckResult> r;
  for (auto& x : run_checks(checks, {})) r[x.id] = std::move(x);
  EXPECT_EQ(r["cert.sign.identity"].status, Status::pass);
  EXPECT_EQ(r["cert.sign.validity"].status, Status::pass);
  EXPECT_EQ(r["cert.sign.chain"].status, Status::pass) << r["cert.sign.chain"].detail;
  // The revoked card leads; the citizen card's good answer is in the evidence.
  EXPECT_EQ(r["cert.sign.revocation"].code, "CERT-REVOKED") << to_json(r["cert.sign.revocation"]).dump();
  const Json& listed = r["cert.sign.revocation"].evidence["certificates"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["state"], "good");
  EXPECT_EQ(listed[1]["state"], "revoked");
  EXPECT_EQ(r["cert.keyx.revocation"].code, "CERT-REVOKED");
}

}  // namespace
}  // namespace certwiz::cert

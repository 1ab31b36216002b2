// What the card checks tell a user: the holder line from the card's own SIGN
// certificate (kind, name, validity or the day it expired), and the cross-check of the
// card against the PKCS#11 module's and the local component's view of it.
#include <gtest/gtest.h>

#include "checks/card/checks.h"
#include "tests/unit/card/fake_card.h"
#include "tests/unit/cert/test_pki.h"

namespace certwiz::card {
namespace {

namespace pki = certwiz::cert::testing;

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

struct CitizenPki {
  pki::Issued root = pki::make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -100, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  pki::Issued moica = pki::make_cert({{{"C", "TW"}, {"O", "行政院"}, {"OU", "內政部憑證管理中心"}}, -100, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
  pki::Issued leaf(long not_after_days) const {
    pki::CertSpec s;
    s.subject = {{"C", "TW"}, {"CN", "陳志明"}, {"serialNumber", "0000000112345678"}};
    s.not_before_days = -400;
    s.not_after_days = not_after_days;
    s.key_usage = "critical,digitalSignature,nonRepudiation";
    s.directory_attributes = {{"2.16.886.1.100.2.51", "6789"}};
    return pki::make_cert(s, &moica);
  }
};

CardContents contents_with_sign(const std::string& der) {
  CardContents c;
  CertificateOnCard sign;
  sign.record.label = "SIGN";
  sign.record.id = {0x53, 0x49, 0x47, 0x4E};
  sign.der = bytes_of(der);
  c.certificates.push_back(sign);
  return c;
}

TEST(HolderSummary, NamesKindHolderAndValidity) {
  CitizenPki p;
  const Text t = holder_summary(contents_with_sign(p.leaf(300).der()));
  EXPECT_NE(t.zh_TW.find("自然人憑證"), std::string::npos) << t.zh_TW;
  EXPECT_NE(t.zh_TW.find("陳志明"), std::string::npos);
  EXPECT_NE(t.zh_TW.find("有效至 "), std::string::npos);
  EXPECT_NE(t.en.find("valid to "), std::string::npos) << t.en;
}

TEST(HolderSummary, AnExpiredCardSaysSoWithTheDay) {
  CitizenPki p;
  const pki::Issued old = p.leaf(-10);
  const Text t = holder_summary(contents_with_sign(old.der()));
  EXPECT_NE(t.en.find("expired on "), std::string::npos) << t.en;
  EXPECT_NE(t.zh_TW.find("到期"), std::string::npos);
}

Json card_evidence(const std::string& serial, const std::string& sign_sha, const std::string& sign_serial) {
  return Json{{"tokens", Json::array({Json{{"reader", "R 00 00"}, {"serial", serial},
                                           {"certificates", Json::array({Json{{"id", "5349474e"}, {"label", "SIGN"},
                                                                              {"sha256", sign_sha}, {"serial", sign_serial}}})}}})}};
}

Json pkcs11_evidence(const std::string& serial, const std::string& der) {
  return Json{{"tokens", Json::array({Json{{"reader", "R 00 00"}, {"serial", serial},
                                           {"certificates", Json::array({Json{{"id", "5349474e"}, {"label", "SIGN"},
                                                                              {"der_base64", der}}})}}})}};
}

// base64("hello") and its SHA-256.
constexpr char kHelloB64[] = "aGVsbG8=";
constexpr char kHelloSha[] = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

TEST(CrossCheck, SameCardSamePass) {
  const Json card = card_evidence("TP1", kHelloSha, "0A1B");
  const Json p11 = pkcs11_evidence("TP1", kHelloB64);
  const CheckResult r = cross_check(card, &p11, nullptr);
  EXPECT_EQ(r.status, Status::pass) << r.summary.en << r.detail;
  EXPECT_EQ(r.evidence["comparisons"][0]["result"], "same");
}

TEST(CrossCheck, AnotherSerialIsSerialMismatch) {
  const Json card = card_evidence("TP1", kHelloSha, "0A1B");
  const Json p11 = pkcs11_evidence("TP2", kHelloB64);
  const CheckResult r = cross_check(card, &p11, nullptr);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.code, "CARD-MISMATCH-SERIAL");
}

TEST(CrossCheck, AStaleCertificateIsCertificateMismatch) {
  const Json card = card_evidence("TP1", kHelloSha, "0A1B");
  const Json p11 = pkcs11_evidence("TP1", "d29ybGQ=");  // "world"
  const CheckResult r = cross_check(card, &p11, nullptr);
  EXPECT_EQ(r.code, "CARD-MISMATCH-CERT");
  EXPECT_NE(r.detail.find("5349474e"), std::string::npos);
}

TEST(CrossCheck, TheComponentIsComparedBySerials) {
  const Json card = card_evidence("TP1", kHelloSha, "0A1B");
  Json ls{{"slots", Json::array({Json{{"reader", "R 00 00"}, {"card", true}, {"serial", "TP1"},
                                      {"certificates", Json::array({Json{{"label", "SIGN"}, {"serial", "0a1b"}}})}}})}};
  EXPECT_EQ(cross_check(card, nullptr, &ls).status, Status::pass);
  ls["slots"][0]["certificates"][0]["serial"] = "0C0D";
  EXPECT_EQ(cross_check(card, nullptr, &ls).code, "CARD-MISMATCH-CERT");
  ls["slots"][0]["certificates"][0]["serial"] = "0A1B";
  ls["slots"][0]["serial"] = "TP9";  // the component reads another reader's card
  EXPECT_EQ(cross_check(card, nullptr, &ls).code, "CARD-MISMATCH-SERIAL");
}

TEST(CrossCheck, NothingToCompareIsSkipped) {
  EXPECT_EQ(cross_check(card_evidence("TP1", kHelloSha, "01"), nullptr, nullptr).status, Status::skipped);
}

}  // namespace
}  // namespace certwiz::card

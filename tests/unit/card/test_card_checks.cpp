// What the card checks tell a user: the holder line from the card's own SIGN
// certificate (kind, name, validity or the day it expired), and the cross-check of the
// card against the PKCS#11 module's and the local component's view of it.
#include <gtest/gtest.h>

#include "checks/card/checks.h"
#include "checks/localsign/client.h"
#include "checks/pkcs11/token.h"
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

// The card read directly in reader "R 00 00": its serial and a SIGN certificate (DER,
// CDF serial).
CardReadings card_read(const std::string& serial, const std::string& sign_der, const std::string& sign_serial) {
  CardContents c;
  c.token_info = TokenInfo{};
  c.token_info->serial = serial;
  CertificateOnCard sign;
  sign.record.label = "SIGN";
  sign.record.id = {0x53, 0x49, 0x47, 0x4E};
  sign.record.serial_hex = sign_serial;
  sign.der = bytes_of(sign_der);
  c.certificates.push_back(sign);
  CardReadings readings;
  readings.cards.push_back({CardRead{"R 00 00", {}, std::move(c), {}, 0}, {}});
  return readings;
}

pkcs11::TokenInventory pkcs11_tokens(const std::string& serial, const std::string& der_base64) {
  pkcs11::Token t;
  t.reader = "R 00 00";
  t.serial = serial;
  t.certificates.push_back({"5349474e", "SIGN", der_base64});
  pkcs11::TokenInventory inv;
  inv.tokens.push_back(t);
  return inv;
}

CheckResult compare(const CardReadings& card, const pkcs11::TokenInventory* p11, const localsign::Pkcs11Info* ls) {
  return cross_check(card, middleware_cards(p11, ls));
}

// base64("hello"); the card holds "hello" itself.
constexpr char kHelloB64[] = "aGVsbG8=";
constexpr char kHello[] = "hello";

TEST(CrossCheck, SameCardSamePass) {
  const CardReadings card = card_read("TP1", kHello, "0A1B");
  const auto p11 = pkcs11_tokens("TP1", kHelloB64);
  const CheckResult r = compare(card, &p11, nullptr);
  EXPECT_EQ(r.status, Status::pass) << r.summary.en << r.detail;
  EXPECT_EQ(r.evidence["comparisons"][0]["result"], "same");
}

TEST(CrossCheck, AnotherSerialIsSerialMismatch) {
  const CardReadings card = card_read("TP1", kHello, "0A1B");
  const auto p11 = pkcs11_tokens("TP2", kHelloB64);
  const CheckResult r = compare(card, &p11, nullptr);
  EXPECT_EQ(r.status, Status::fail);
  EXPECT_EQ(r.code, "CARD-MISMATCH-SERIAL");
}

TEST(CrossCheck, AStaleCertificateIsCertificateMismatch) {
  const CardReadings card = card_read("TP1", kHello, "0A1B");
  const auto p11 = pkcs11_tokens("TP1", "d29ybGQ=");  // "world"
  const CheckResult r = compare(card, &p11, nullptr);
  EXPECT_EQ(r.code, "CARD-MISMATCH-CERT");
  EXPECT_NE(r.detail.find("5349474e"), std::string::npos);
}

TEST(CrossCheck, TheComponentIsComparedBySerials) {
  const CardReadings card = card_read("TP1", kHello, "0A1B");
  localsign::Pkcs11Info ls;
  localsign::TokenEntry token;
  token.serial = "TP1";
  localsign::CertEntry sign;
  sign.label = "SIGN";
  sign.sn = "0a1b";
  token.certs.push_back(sign);
  ls.slots.push_back({"R 00 00", token});
  EXPECT_EQ(compare(card, nullptr, &ls).status, Status::pass);
  ls.slots[0].token->certs[0].sn = "0C0D";
  EXPECT_EQ(compare(card, nullptr, &ls).code, "CARD-MISMATCH-CERT");
  ls.slots[0].token->certs[0].sn = "0A1B";
  ls.slots[0].token->serial = "TP9";  // the component reads another reader's card
  EXPECT_EQ(compare(card, nullptr, &ls).code, "CARD-MISMATCH-SERIAL");
}

TEST(CrossCheck, NothingToCompareIsSkipped) {
  EXPECT_EQ(compare(card_read("TP1", kHello, "01"), nullptr, nullptr).status, Status::skipped);
}

}  // namespace
}  // namespace certwiz::card

// The CDF and TokenInfo parsers on the facts file's example and crafted records.
#include <gtest/gtest.h>

#include <openssl/x509.h>

#include "checks/card/cdf.h"
#include "tests/unit/card/fake_card.h"

namespace certwiz::card {
namespace {

using namespace testing;

Bytes name_der(const char* cn) {
  X509_NAME* n = X509_NAME_new();
  X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("TW"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509_NAME(n, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  X509_NAME_free(n);
  return out;
}

TEST(Cdf, ReadsThePathOfTheFactsFileExample) {
  // 30 0F 04 06 3F00 5030 08F2 02 01 00 80 02 06 08: 3F00/5030/08F2, index 0, length 0x0608.
  const Bytes path{0x30, 0x0F, 0x04, 0x06, 0x3F, 0x00, 0x50, 0x30, 0x08, 0xF2, 0x02, 0x01, 0x00, 0x80, 0x02, 0x06, 0x08};
  const Bytes data = cat({cdf_record("SIGN", {0x53, 0x49, 0x47, 0x4E}, false, path), Bytes(40, 0x00)});
  const CdfParse p = parse_cdf(data);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_TRUE(p.problems.empty());
  EXPECT_TRUE(p.ended_in_padding);
  const CdfRecord& r = p.records[0];
  EXPECT_EQ(r.label, "SIGN");
  EXPECT_EQ(hex_upper(r.id), "5349474E");
  EXPECT_FALSE(r.authority);
  EXPECT_EQ(hex_upper(r.path.path), "3F00503008F2");
  EXPECT_EQ(r.path.index, 0u);
  EXPECT_EQ(r.path.length, 0x0608u);
  EXPECT_EQ(r.path.to_string(), "3F00/5030/08F2 [0x0000+0x0608]");
}

TEST(Cdf, ReadsSubjectIssuerAndSerialOfARecord) {
  const Bytes subject = name_der("陳志明");
  Bytes issuer_content = name_der("Lab CA");
  issuer_content.erase(issuer_content.begin(), issuer_content.begin() + 2);  // [0] IMPLICIT Name
  const Bytes extra = cat({subject, tlv(0xA0, issuer_content), tlv(0x02, {0x01, 0xA2, 0x3F})});
  const Bytes data = cat({cdf_record("CA moica-g3", {0x43, 0x41, 0x00}, true, path_of({0x3F, 0x00, 0x50, 0x30, 0x08, 0xF2}, 0x0700, 0x0500), extra),
                          Bytes{0xFF, 0xFF}});
  const CdfParse p = parse_cdf(data);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_TRUE(p.records[0].authority);
  EXPECT_EQ(p.records[0].subject, "CN=陳志明,C=TW");
  EXPECT_EQ(p.records[0].issuer, "CN=Lab CA,C=TW");
  EXPECT_EQ(p.records[0].serial_hex, "01A23F");
  EXPECT_EQ(p.records[0].path.index, 0x0700u);
}

TEST(Cdf, GarbageRecordsAreSkippedAndNamedTheOthersKept) {
  const Bytes good1 = cdf_record("SIGN", {0x53, 0x49, 0x47, 0x4E}, false, path_of({0x08, 0xF2}, 0, 0x600));
  const Bytes good2 = cdf_record("KEYX", {0x4B, 0x45, 0x59, 0x58}, false, path_of({0x08, 0xF2}, 0x700, 0x600));
  const Bytes not_a_cert = tlv(0xA0, {0x01, 0x02, 0x03});            // another CertificateType choice
  const Bytes wrong_inside = tlv(0x30, cat({tlv(0x04, {0x01}), tlv(0x04, {0x02})}));  // framed, meaningless
  const Bytes bad_path = cdf_record("X", {0x01}, false, tlv(0x30, tlv(0x04, {0x3F})));  // odd-length path
  const CdfParse p = parse_cdf(cat({good1, not_a_cert, wrong_inside, bad_path, good2, Bytes(8, 0)}));
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[0].label, "SIGN");
  EXPECT_EQ(p.records[1].label, "KEYX");
  EXPECT_EQ(p.problems.size(), 3u);
  EXPECT_TRUE(p.ended_in_padding);
}

TEST(Cdf, BrokenFramingStopsTheParseAndSaysWhere) {
  const Bytes good = cdf_record("SIGN", {0x53, 0x49, 0x47, 0x4E}, false, path_of({0x08, 0xF2}, 0, 0x600));
  const CdfParse p = parse_cdf(cat({good, Bytes{0x30, 0x82, 0x7F, 0xFF, 0x01}}));
  ASSERT_EQ(p.records.size(), 1u);
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_NE(p.problems[0].find("offset " + std::to_string(good.size())), std::string::npos);
  EXPECT_FALSE(p.ended_in_padding);
}

TEST(Cdf, RecordsExtentWaitsForWholeRecordsAndStopsAtPadding) {
  const Bytes rec = cdf_record("SIGN", {0x53, 0x49, 0x47, 0x4E}, false, path_of({0x08, 0xF2}, 0, 0x600));
  bool complete = false, broken = false;
  const Bytes two = cat({rec, rec});
  EXPECT_EQ(der_records_extent(std::span(two).first(rec.size() + 3), complete, broken), rec.size());
  EXPECT_FALSE(complete);
  EXPECT_FALSE(broken);
  const Bytes padded = cat({two, Bytes{0x00, 0x00}});
  EXPECT_EQ(der_records_extent(padded, complete, broken), two.size());
  EXPECT_TRUE(complete);
  const Bytes junk = cat({rec, Bytes{0x1F, 0x01}});
  der_records_extent(junk, complete, broken);
  EXPECT_TRUE(broken);
}

TEST(TokenInfoParse, ReadsSerialAndLabel) {
  auto ti = parse_token_info(cat({token_info("TP07240513190395", "HiCOS PKI Smart Card"), Bytes(10, 0)}));
  ASSERT_TRUE(ti.ok()) << ti.error().detail;
  EXPECT_EQ(ti->serial, "TP07240513190395");
  EXPECT_EQ(ti->label, "HiCOS PKI Smart Card");
  EXPECT_EQ(ti->manufacturer, "CHT");
  EXPECT_FALSE(parse_token_info(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}).ok());
  EXPECT_EQ(parse_token_info(Bytes{0x04, 0x00}).error().code, "CARD-CDF-MALFORMED");
}

TEST(DerLength, OfCertificateHeaders) {
  EXPECT_EQ(der_element_length(Bytes{0x30, 0x82, 0x06, 0x04}), 0x608u);
  EXPECT_EQ(der_element_length(Bytes{0x30, 0x10}), 0x12u);
  EXPECT_FALSE(der_element_length(Bytes{0x30, 0x80}).has_value());
  EXPECT_FALSE(der_element_length(Bytes{0x30}).has_value());
}

}  // namespace
}  // namespace certwiz::card

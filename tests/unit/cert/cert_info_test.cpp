// Parsing: names in UTF-8, extensions, the Taiwan GPKI identity, CA types, bad input.
#include <gtest/gtest.h>

#include "checks/cert/cert_info.h"
#include "checks/cert/verify.h"
#include "tests/unit/cert/test_pki.h"

namespace certwiz::cert {
namespace {

using namespace testing;

const char* kIdLast4 = "2.16.886.1.100.2.51";
const char* kUbn = "2.16.886.1.100.2.101";

struct Pki {
  Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -10, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  Issued moica = make_cert({{{"C", "TW"}, {"O", "行政院"}, {"OU", "內政部憑證管理中心"}}, -10, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
  Issued moeaca = make_cert({{{"C", "TW"}, {"O", "行政院"}, {"OU", "工商憑證管理中心"}}, -10, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
};

TEST(CertInfo, CitizenCertificateIdentityAndExtensions) {
  Pki pki;
  CertSpec spec;
  spec.subject = {{"C", "TW"}, {"CN", "陳志明"}, {"serialNumber", "0000000112831644"}};
  spec.key_usage = "critical,digitalSignature,nonRepudiation";
  spec.policies = {"2.16.886.101.0.3.1"};
  spec.directory_attributes = {{kIdLast4, "8274"}, {"2.16.886.1.100.2.1", "1"}, {"2.16.886.1.100.2.2", "2"}};
  spec.ocsp_urls = {"http://ocsp.example.tw/"};
  spec.crl_urls = {"http://crl.example.tw/moica.crl"};
  const Issued leaf = make_cert(spec, &pki.moica);

  auto info = parse_certificate(leaf.der());
  ASSERT_TRUE(info.ok()) << info.error().detail;
  EXPECT_EQ(info->subject.text, "C=TW, CN=陳志明, serialNumber=0000000112831644");
  EXPECT_EQ(info->issuer.text, "C=TW, O=行政院, OU=內政部憑證管理中心");
  EXPECT_EQ(info->identity.ca_type, CaType::moica);
  EXPECT_EQ(info->identity.card_kind, CardKind::citizen);
  EXPECT_EQ(info->identity.holder_name, "陳志明");
  EXPECT_EQ(info->identity.id_last4, "8274");
  EXPECT_EQ(info->identity.subject_class, "1");
  EXPECT_EQ(info->identity.card_rank, "2");
  EXPECT_TRUE(info->identity.ubn.empty());
  EXPECT_EQ(info->serial_hex, leaf.serial_hex());
  EXPECT_TRUE(info->key_usage.present);
  EXPECT_TRUE(info->key_usage.digital_signature);
  EXPECT_TRUE(info->key_usage.non_repudiation);
  EXPECT_FALSE(info->key_usage.key_encipherment);
  EXPECT_EQ(info->policies, std::vector<std::string>{"2.16.886.101.0.3.1"});
  EXPECT_EQ(info->ocsp_urls, std::vector<std::string>{"http://ocsp.example.tw/"});
  EXPECT_EQ(info->crl_urls, std::vector<std::string>{"http://crl.example.tw/moica.crl"});
  EXPECT_FALSE(info->subject_key_id.empty());
  auto ca = parse_certificate(pki.moica.der());
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(info->authority_key_id, ca->subject_key_id);
  EXPECT_TRUE(ca->is_ca);
  EXPECT_FALSE(info->is_ca);
  EXPECT_FALSE(identity_problem(*info).has_value());
  // Validity dates: the spec says -1 day .. +365 days.
  EXPECT_NEAR(static_cast<double>(info->not_after - info->not_before), 366.0 * 86400, 5);
}

TEST(CertInfo, BmpStringNamesComeBackAsUtf8) {
  Pki pki;
  CertSpec spec;
  spec.subject = {{"C", "TW"}, {"CN", "林淑芬", true}};
  const Issued leaf = make_cert(spec, &pki.moica);
  auto info = parse_certificate(leaf.der());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->subject.first("CN"), "林淑芬");
}

TEST(CertInfo, BusinessUbnAgreesOrIsFlagged) {
  Pki pki;
  CertSpec spec;
  spec.subject = {{"C", "TW"}, {"O", "綠源環保科技股份有限公司"}, {"serialNumber", "83124560"}};
  spec.directory_attributes = {{kUbn, "83124560"}};
  auto good = parse_certificate(make_cert(spec, &pki.moeaca).der());
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->identity.card_kind, CardKind::business);
  EXPECT_EQ(good->identity.holder_name, "綠源環保科技股份有限公司");
  EXPECT_EQ(good->identity.ubn, "83124560");
  EXPECT_EQ(good->identity.subject_serial, "83124560");
  EXPECT_FALSE(identity_problem(*good).has_value());

  spec.directory_attributes = {{kUbn, "12345675"}};
  auto mismatch = parse_certificate(make_cert(spec, &pki.moeaca).der());
  ASSERT_TRUE(mismatch.ok());
  auto problem = identity_problem(*mismatch);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->code, "CERT-UBN-MISMATCH");
  EXPECT_NE(problem->detail.find("12345675"), std::string::npos);

  spec.directory_attributes.clear();
  auto missing = parse_certificate(make_cert(spec, &pki.moeaca).der());
  ASSERT_TRUE(missing.ok());
  ASSERT_TRUE(identity_problem(*missing).has_value());
  EXPECT_EQ(identity_problem(*missing)->code, "CERT-IDENTITY-MISSING");
}

TEST(CertInfo, CitizenWithoutIdDigitsIsFlagged) {
  Pki pki;
  CertSpec spec;
  spec.subject = {{"C", "TW"}, {"CN", "張家豪"}};
  auto info = parse_certificate(make_cert(spec, &pki.moica).der());
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(identity_problem(*info).has_value());
  EXPECT_EQ(identity_problem(*info)->code, "CERT-IDENTITY-MISSING");
}

TEST(CaType, TableMapsIssuerOuExactly) {
  auto issuer_with_ou = [](const std::string& ou) {
    DistinguishedName dn;
    dn.attributes = {{"C", "TW"}, {"O", "行政院"}, {"OU", ou}};
    return dn;
  };
  struct Case { const char* ou; CaType type; CardKind kind; };
  const Case cases[] = {
      {"內政部憑證管理中心", CaType::moica, CardKind::citizen},
      {"工商憑證管理中心", CaType::moeaca, CardKind::business},
      {"政府憑證管理中心", CaType::gca, CardKind::government},
      {"組織及團體憑證管理中心", CaType::xca, CardKind::organisation},
      {"政府測試憑證管理中心", CaType::test, CardKind::test},
  };
  for (const auto& c : cases) {
    const CaTypeEntry* e = ca_type_for_issuer(issuer_with_ou(c.ou));
    ASSERT_NE(e, nullptr) << c.ou;
    EXPECT_EQ(e->type, c.type) << c.ou;
    EXPECT_EQ(e->card, c.kind) << c.ou;
  }
  EXPECT_EQ(ca_type_for_issuer(issuer_with_ou("某某憑證管理中心")), nullptr);
  EXPECT_EQ(ca_type_for_issuer(issuer_with_ou("內政部憑證管理中心 ")), nullptr);
  DistinguishedName no_ou;
  no_ou.attributes = {{"C", "TW"}, {"O", "Government Root Certification Authority"}};
  EXPECT_EQ(ca_type_for_issuer(no_ou), nullptr);
  EXPECT_EQ(ca_type_table().size(), 5u);
}

TEST(CertInfo, MalformedInputGivesAnErrorNotACrash) {
  Pki pki;
  const std::string der = pki.moica.der();
  const std::vector<std::string> bad = {
      "", "not a certificate", std::string(1, '\x30'), der.substr(0, der.size() / 2), der + "trailing",
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", std::string(4096, '\xff')};
  for (const auto& b : bad) {
    auto r = parse_certificate(b);
    ASSERT_FALSE(r.ok()) << b.size();
    EXPECT_EQ(r.error().code, "CERT-MALFORMED");
    EXPECT_FALSE(r.error().detail.empty());
  }
  // Every single-byte truncation and a bit flip in each byte either parses or fails with the code.
  for (size_t i = 0; i < der.size(); i += 7) {
    std::string flipped = der;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    auto r = parse_certificate(flipped);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "CERT-MALFORMED");
    }
  }
  auto pem = parse_certificate(pki.moica.pem());
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->der, der);
}

TEST(CertInfo, MalformedDirectoryAttributesAreReported) {
  Pki pki;
  CertSpec spec;
  spec.subject = {{"C", "TW"}, {"CN", "x"}};
  // A PrintableString instead of SEQUENCE OF Attribute.
  Issued leaf = make_cert(spec, &pki.moica);
  ASN1_OBJECT* oid = OBJ_txt2obj("2.5.29.9", 1);
  ASN1_OCTET_STRING* body = ASN1_OCTET_STRING_new();
  const unsigned char junk[] = {0x13, 0x02, 'h', 'i'};
  ASN1_OCTET_STRING_set(body, junk, sizeof junk);
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 0, body);
  X509_add_ext(leaf.cert.get(), ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(body);
  ASN1_OBJECT_free(oid);
  X509_sign(leaf.cert.get(), pki.moica.key.get(), EVP_sha256());
  auto r = parse_certificate(leaf.der());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "CERT-MALFORMED");
  EXPECT_NE(r.error().detail.find("subjectDirectoryAttributes"), std::string::npos);
}

TEST(CertInfo, Base64Decoding) {
  EXPECT_EQ(decode_base64("aGk=").value(), "hi");
  EXPECT_EQ(decode_base64("aGlo Z\nQ==").value(), "hihe");
  EXPECT_EQ(decode_base64("YWJj").value(), "abc");
  EXPECT_FALSE(decode_base64("a").has_value());
  EXPECT_FALSE(decode_base64("!!!!").has_value());
  EXPECT_FALSE(decode_base64("").has_value());
}

}  // namespace
}  // namespace certwiz::cert

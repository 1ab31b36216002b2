// Chain building: same-DN CA generations picked by key, unknown CAs, the shipped anchors.
#include <gtest/gtest.h>

#include "assets/assets.h"
#include "checks/cert/trust_store.h"
#include "tests/unit/cert/test_pki.h"

namespace certwiz::cert {
namespace {

using namespace testing;

std::vector<NameEntry> moica_dn() { return {{"C", "TW"}, {"O", "行政院"}, {"OU", "內政部憑證管理中心"}}; }

CertSpec leaf_spec(const std::string& cn) {
  CertSpec s;
  s.subject = {{"C", "TW"}, {"CN", cn}};
  s.key_usage = "critical,digitalSignature";
  return s;
}

std::string ski_of(const Issued& x) { return parse_certificate(x.der())->subject_key_id; }

TEST(TrustStore, SameDnGenerationsArePickedByKey) {
  TempDir dir;
  const Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -10, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  const Issued g1 = make_cert({moica_dn(), -10, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
  const Issued g2 = make_cert({moica_dn(), -5, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
  ASSERT_NE(ski_of(g1), ski_of(g2));
  const Issued leaf1 = make_cert(leaf_spec("甲"), &g1);
  const Issued leaf2 = make_cert(leaf_spec("乙"), &g2);

  TrustStore store;
  ASSERT_TRUE(store.add_pem(root.pem(), true, "root").ok());
  // Both generations offered in both orders: the match must come from the key, not position.
  for (const auto& order : {std::vector<std::string>{g1.der(), g2.der()}, std::vector<std::string>{g2.der(), g1.der()}}) {
    const ChainReport c1 = store.build_chain(leaf1.der(), order);
    ASSERT_TRUE(c1.trusted) << (c1.error ? c1.error->detail : "");
    ASSERT_EQ(c1.links.size(), 3u);
    EXPECT_EQ(c1.links[1].subject_key_id, ski_of(g1));
    EXPECT_EQ(c1.issuer_der(), g1.der());
    EXPECT_TRUE(c1.links[2].anchor);
    EXPECT_EQ(c1.links[1].subject, "C=TW, O=行政院, OU=內政部憑證管理中心");

    const ChainReport c2 = store.build_chain(leaf2.der(), order);
    ASSERT_TRUE(c2.trusted);
    EXPECT_EQ(c2.links[1].subject_key_id, ski_of(g2));
    EXPECT_EQ(c2.issuer_der(), g2.der());
  }
  // Only the wrong generation available: same DN, wrong key → no chain.
  const ChainReport wrong = store.build_chain(leaf1.der(), {g2.der()});
  EXPECT_FALSE(wrong.trusted);
  ASSERT_TRUE(wrong.error.has_value());
  EXPECT_EQ(wrong.error->code, "CERT-UNKNOWN-CA");
}

TEST(TrustStore, ForgedCaWithSameDnAndKeyIdIsRejected) {
  // An attacker's CA copying the real CA's DN cannot borrow its key identifier usefully:
  // the signature check fails even when the SKI is copied.
  const Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -10, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  const Issued evil_root = make_cert({{{"C", "TW"}, {"O", "Evil Root"}}, -10, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  const Issued evil_ca = make_cert({moica_dn(), -10, 3000, true, "critical,keyCertSign,cRLSign"}, &evil_root);
  const Issued leaf = make_cert(leaf_spec("丙"), &evil_ca);
  TrustStore store;
  ASSERT_TRUE(store.add_pem(root.pem(), true, "root").ok());
  const ChainReport c = store.build_chain(leaf.der(), {evil_ca.der()});
  EXPECT_FALSE(c.trusted);
  ASSERT_TRUE(c.error.has_value());
  EXPECT_EQ(c.error->code, "CERT-UNKNOWN-CA");
  // The partial chain is still reported for the helpdesk.
  EXPECT_GE(c.links.size(), 2u);
}

TEST(TrustStore, ExpiredIntermediateBreaksTheChainButAnExpiredLeafDoesNot) {
  const Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -1000, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  const Issued old_ca = make_cert({moica_dn(), -900, -10, true, "critical,keyCertSign,cRLSign"}, &root);
  const Issued ca = make_cert({moica_dn(), -900, 900, true, "critical,keyCertSign,cRLSign"}, &root);
  TrustStore store;
  ASSERT_TRUE(store.add_pem(root.pem(), true, "root").ok());
  CertSpec spec = leaf_spec("丁");
  spec.not_before_days = -400;
  spec.not_after_days = -20;
  const ChainReport expired_leaf = store.build_chain(make_cert(spec, &ca).der(), {ca.der()});
  EXPECT_TRUE(expired_leaf.trusted) << (expired_leaf.error ? expired_leaf.error->detail : "");
  const ChainReport expired_ca = store.build_chain(make_cert(spec, &old_ca).der(), {old_ca.der()});
  EXPECT_FALSE(expired_ca.trusted);
  ASSERT_TRUE(expired_ca.error.has_value());
  EXPECT_EQ(expired_ca.error->code, "CERT-CHAIN-INVALID");
}

TEST(TrustStore, ShippedAnchorsLoadAndChainByGeneration) {
  auto loaded = TrustStore::load({});
  ASSERT_TRUE(loaded.ok()) << loaded.error().detail;
  const TrustStore& store = *loaded;
  EXPECT_EQ(store.anchors().size() + store.intermediates().size(), 9u);
  EXPECT_EQ(store.anchors().size(), 3u);  // GRCA G1, G2, G3 are the self-signed ones

  auto find = [&](const std::string& file) {
    auto t = TrustStore::from_anchor_files({asset_path("trust/" + file)});
    EXPECT_TRUE(t.ok()) << file;
    return t->anchors().at(0);
  };
  const CertInfo moica_g2 = find("MOICA-G2.pem");
  const CertInfo moica_g3 = find("MOICA-G3.pem");
  const CertInfo moica_g1 = find("MOICA-G1.pem");
  const CertInfo moeaca_g3 = find("MOEACA-G3.pem");
  EXPECT_EQ(moica_g2.subject.text, "C=TW, O=行政院, OU=內政部憑證管理中心");
  EXPECT_EQ(moica_g3.subject.text, moica_g2.subject.text);
  EXPECT_EQ(moica_g2.subject_key_id, "FA:9B:34:67:09:0A:98:22:F7:62:48:8B:82:26:A6:45:C5:C3:22:A4");
  EXPECT_EQ(moica_g2.serial_hex, "51C3B5C1A9A1588609222231D61AC0AD");
  EXPECT_EQ(moica_g3.key_bits, 4096);

  // SOURCES.md: MOICA-G2 → GRCA-G2 (D5:67:…), MOICA-G3 → GRCA-G3 (3A:90:…).
  const ChainReport g2 = store.build_chain(moica_g2.der, {});
  ASSERT_TRUE(g2.trusted) << (g2.error ? g2.error->detail : "");
  EXPECT_EQ(g2.links.back().subject_key_id, "D5:67:1D:E0:9C:7A:2C:9C:CB:C5:98:E7:1D:07:26:2A:86:EC:74:CD");
  EXPECT_EQ(g2.links.back().subject, "C=TW, O=Government Root Certification Authority");

  const ChainReport g3 = store.build_chain(moica_g3.der, {});
  ASSERT_TRUE(g3.trusted) << (g3.error ? g3.error->detail : "");
  EXPECT_EQ(g3.links.back().subject_key_id, "3A:90:8E:E7:41:47:19:73:DC:9C:BD:A3:7E:D8:3D:3E:83:09:1F:03");
  EXPECT_EQ(g3.links.back().subject, "C=TW, O=行政院, CN=Government Root Certification Authority - G3");

  const ChainReport e3 = store.build_chain(moeaca_g3.der, {});
  ASSERT_TRUE(e3.trusted);
  EXPECT_EQ(e3.links.back().subject_key_id, g3.links.back().subject_key_id);

  // MOICA G1 (expired 2023) chains to GRCA G1 when judged at a time it was valid.
  const ChainReport g1 = store.build_chain(moica_g1.der, {}, 1600000000 /* 2020-09 */);
  ASSERT_TRUE(g1.trusted) << (g1.error ? g1.error->detail : "");
  EXPECT_EQ(g1.links.back().subject_key_id, "CC:CC:EF:CC:29:60:A4:3B:B1:92:B6:3C:FA:32:62:8F:AC:25:15:3B");
}

TEST(TrustStore, UnreadableOrEmptyAnchorFilesAreReported) {
  TempDir dir;
  auto missing = TrustStore::load({(dir.path() / "nope.pem").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "CERT-TRUST-STORE");
  const std::string junk = write_file(dir.path() / "junk.pem", "hello\n");
  auto empty = TrustStore::load({junk});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "CERT-TRUST-STORE");
}

TEST(TrustStore, ExtraAnchorIsTrustedAlongsideShippedOnes) {
  TempDir dir;
  const Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Lab Root"}}, -10, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  const Issued ca = make_cert({moica_dn(), -10, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
  const Issued leaf = make_cert(leaf_spec("戊"), &ca);
  auto shipped_only = TrustStore::load({});
  ASSERT_TRUE(shipped_only.ok());
  // Same DN as the real MOICA, different key: the shipped set must not accept it.
  const ChainReport untrusted = shipped_only->build_chain(leaf.der(), {ca.der()});
  EXPECT_FALSE(untrusted.trusted);
  EXPECT_EQ(untrusted.error->code, "CERT-UNKNOWN-CA");
  auto with_lab = TrustStore::load({write_file(dir.path() / "lab.pem", root.pem())});
  ASSERT_TRUE(with_lab.ok());
  EXPECT_TRUE(with_lab->build_chain(leaf.der(), {ca.der()}).trusted);
}

}  // namespace
}  // namespace certwiz::cert

// verify_certificate: validity windows, unknown CA, key usage, policy, and the report.
#include <gtest/gtest.h>

#include "checks/cert/verify.h"
#include "tests/unit/cert/test_pki.h"

namespace certwiz::cert {
namespace {

using namespace testing;

struct Pki {
  Issued root = make_cert({{{"C", "TW"}, {"O", "CertWiz Unit Root"}}, -1000, 3650, true, "critical,keyCertSign,cRLSign"}, nullptr);
  Issued moica = make_cert({{{"C", "TW"}, {"O", "行政院"}, {"OU", "內政部憑證管理中心"}}, -1000, 3000, true, "critical,keyCertSign,cRLSign"}, &root);
  std::shared_ptr<const TrustStore> trust = [this] {
    TrustStore t;
    t.add_pem(root.pem(), true, "root");
    return std::make_shared<const TrustStore>(std::move(t));
  }();

  Issued leaf(long not_before_days, long not_after_days, const std::string& key_usage = "critical,digitalSignature,nonRepudiation") {
    CertSpec s;
    s.subject = {{"C", "TW"}, {"CN", "陳志明"}};
    s.not_before_days = not_before_days;
    s.not_after_days = not_after_days;
    s.key_usage = key_usage;
    s.policies = {"2.16.886.101.0.3.1"};
    s.directory_attributes = {{"2.16.886.1.100.2.51", "8274"}};
    return make_cert(s, &moica);
  }
  VerifyOptions options() const {
    VerifyOptions o;
    o.trust = trust;
    o.check_revocation = false;
    return o;
  }
};

TEST(Verify, GoodCertificatePasses) {
  Pki pki;
  const CertReport r = verify_certificate(pki.leaf(-10, 400).der(), {pki.moica.der()}, pki.options());
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(r.status(), Status::pass);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().code;
  EXPECT_EQ(r.validity, ValidityState::valid);
  EXPECT_TRUE(r.chain.trusted);
  ASSERT_TRUE(r.info.has_value());
  EXPECT_EQ(r.info->identity.id_last4, "8274");
  const Json j = to_json(r);
  EXPECT_EQ(j["status"], "pass");
  EXPECT_EQ(j["chain"]["chain"].size(), 3u);
  EXPECT_EQ(j["certificate"]["identity"]["card_kind"], "citizen");
}

TEST(Verify, ExpiredNotYetValidAndNearExpiryHaveDistinctCodes) {
  Pki pki;
  const CertReport expired = verify_certificate(pki.leaf(-400, -3).der(), {pki.moica.der()}, pki.options());
  EXPECT_EQ(expired.validity, ValidityState::expired);
  EXPECT_TRUE(expired.has("CERT-EXPIRED"));
  EXPECT_FALSE(expired.accepted());
  EXPECT_LT(expired.days_left, 0);
  // The chain is still shown for an expired leaf.
  EXPECT_TRUE(expired.chain.trusted);

  const CertReport future = verify_certificate(pki.leaf(5, 400).der(), {pki.moica.der()}, pki.options());
  EXPECT_EQ(future.validity, ValidityState::not_yet_valid);
  EXPECT_TRUE(future.has("CERT-NOT-YET-VALID"));
  EXPECT_FALSE(future.has("CERT-EXPIRED"));
  EXPECT_FALSE(future.accepted());

  const CertReport soon = verify_certificate(pki.leaf(-400, 10).der(), {pki.moica.der()}, pki.options());
  EXPECT_EQ(soon.validity, ValidityState::expiring_soon);
  EXPECT_TRUE(soon.has("CERT-EXPIRING-SOON"));
  EXPECT_TRUE(soon.accepted());  // a warning, not a failure
  EXPECT_EQ(soon.status(), Status::warn);
  EXPECT_GE(soon.days_left, 9);  // 10 days minus the seconds since issuing, rounded down
  EXPECT_LE(soon.days_left, 10);

  // The warning window is an option.
  VerifyOptions narrow = pki.options();
  narrow.expiry_warning_days = 5;
  EXPECT_EQ(verify_certificate(pki.leaf(-400, 10).der(), {pki.moica.der()}, narrow).validity, ValidityState::valid);
}

TEST(Verify, JudgedAtAGivenTime) {
  Pki pki;
  const Issued leaf = pki.leaf(-10, 100);
  VerifyOptions o = pki.options();
  o.at = std::time(nullptr) + 200 * 86400;
  EXPECT_TRUE(verify_certificate(leaf.der(), {pki.moica.der()}, o).has("CERT-EXPIRED"));
}

TEST(Verify, UnknownCaFails) {
  Pki pki;
  Pki other;  // same DNs, other keys
  const CertReport r = verify_certificate(other.leaf(-10, 400).der(), {other.moica.der()}, pki.options());
  EXPECT_TRUE(r.has("CERT-UNKNOWN-CA"));
  EXPECT_FALSE(r.accepted());
  EXPECT_FALSE(r.has("CERT-EXPIRED"));
}

TEST(Verify, LoginNeedsDigitalSignatureAndAcceptedPolicy) {
  Pki pki;
  VerifyOptions o = pki.options();
  o.require_digital_signature = true;
  o.accepted_policies = {"2.16.886.101.0.3.1"};
  EXPECT_TRUE(verify_certificate(pki.leaf(-10, 400).der(), {pki.moica.der()}, o).accepted());
  const CertReport keyx = verify_certificate(pki.leaf(-10, 400, "critical,keyEncipherment").der(), {pki.moica.der()}, o);
  EXPECT_TRUE(keyx.has("CERT-KEY-USAGE"));
  EXPECT_FALSE(keyx.accepted());
  o.accepted_policies = {"2.16.886.101.0.3.3"};
  EXPECT_TRUE(verify_certificate(pki.leaf(-10, 400).der(), {pki.moica.der()}, o).has("CERT-POLICY"));
}

TEST(Verify, GarbageIsMalformedNotACrash) {
  Pki pki;
  const CertReport r = verify_certificate("\x30\x82\x01", {}, pki.options());
  EXPECT_TRUE(r.has("CERT-MALFORMED"));
  EXPECT_FALSE(r.info.has_value());
  EXPECT_FALSE(r.accepted());
  EXPECT_EQ(to_json(r)["status"], "fail");
}

TEST(Verify, EveryCodeUsedIsInTheCatalogue) {
  for (const char* code : {"CERT-MALFORMED", "CERT-NOT-ON-CARD", "CERT-IDENTITY-MISSING", "CERT-UBN-MISMATCH", "CERT-EXPIRED",
                           "CERT-NOT-YET-VALID", "CERT-EXPIRING-SOON", "CERT-UNKNOWN-CA", "CERT-CHAIN-INVALID", "CERT-TRUST-STORE",
                           "CERT-KEY-USAGE", "CERT-POLICY", "CERT-REVOKED", "CERT-REVOCATION-UNKNOWN"}) {
    const FailureCode* fc = find_failure_code(code);
    ASSERT_NE(fc, nullptr) << code;
    EXPECT_EQ(fc->module, "cert");
  }
  EXPECT_EQ(find_failure_code("CERT-REVOCATION-UNKNOWN")->severity, Severity::warn);
  EXPECT_EQ(find_failure_code("CERT-REVOKED")->severity, Severity::fail);
}

}  // namespace
}  // namespace certwiz::cert

// The token layer against a real PKCS#11 module (SoftHSM2) through the module host:
// inventory, PIN guard, signing, decryption, CMS, and the checks run by the engine.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "checks/core/runner.h"
#include "checks/pkcs11/checks.h"
#include "checks/pkcs11/shared_host.h"
#include "checks/pkcs11/cms.h"
#include "checks/pkcs11/inventory.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/protocol.h"
#include "checks/pkcs11/selftest.h"
#include "tests/unit/pkcs11/softhsm_card.h"

namespace certwiz::pkcs11 {
namespace {

using namespace std::chrono_literals;
using test::SoftHsmCard;

std::unique_ptr<SoftHsmCard> g_card;

class SoftHsm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!g_card) g_card = std::make_unique<SoftHsmCard>();
  }
  void SetUp() override {
    auto h = ModuleHost::start(SoftHsmCard::kModule, 10s);
    ASSERT_TRUE(h) << h.error().code << " " << h.error().detail;
    host = *h;
    auto inv = collect_inventory(host);
    ASSERT_TRUE(inv) << inv.error().detail;
    inventory = *inv;
    auto t = choose_token(inventory, "");
    ASSERT_TRUE(t) << t.error().detail;
    token = *t;
    auto s = Session::open(host, token["slot_id"].get<unsigned long>());
    ASSERT_TRUE(s);
    session = std::move(*s);
  }
  void TearDown() override {
    session.reset();
    if (host) host->shutdown();
  }
  size_t logins_since(size_t mark) const {
    size_t n = 0;
    for (const auto& t : host->timings(mark)) n += t.fn == "C_Login";
    return n;
  }
  void login() {
    PinGuard guard(*session, false);
    auto a = guard.login(Secret(SoftHsmCard::kPin));
    ASSERT_TRUE(a.logged_in) << (a.error ? a.error->code + " " + a.error->detail : "");
  }

  std::shared_ptr<ModuleHost> host;
  Json inventory, token;
  std::unique_ptr<Session> session;
};

TEST_F(SoftHsm, InventoryHasTheContractShape) {
  EXPECT_EQ(token["label"], SoftHsmCard::kLabel);
  EXPECT_EQ(token["reader"].get<std::string>().empty(), false);
  EXPECT_TRUE(token["flags"]["login_required"].get<bool>());
  for (const char* k : {"min", "max", "count_low", "final_try", "locked"}) EXPECT_TRUE(token["pin"].contains(k)) << k;
  bool sha256_rsa = false;
  for (const auto& m : token["mechanisms"]) sha256_rsa = sha256_rsa || m["name"] == "CKM_SHA256_RSA_PKCS";
  EXPECT_TRUE(sha256_rsa);
  std::map<std::string, std::string> certs;
  for (const auto& c : token["certificates"]) certs[c["id"]] = c["label"];
  EXPECT_EQ(certs["5349474e"], "SIGN");
  EXPECT_EQ(certs["4b455958"], "KEYX");
  for (const auto& c : token["certificates"]) {
    auto der = wire::base64_decode(c["der_base64"].get<std::string>());
    ASSERT_TRUE(der);
    EXPECT_EQ((*der)[0], 0x30);  // a DER SEQUENCE
  }
  bool sign_pub = false;
  for (const auto& k : token["keys"]) sign_pub = sign_pub || (k["id"] == "5349474e" && k["class"] == "public" && k["modulus_bits"] == 2048);
  EXPECT_TRUE(sign_pub) << token["keys"].dump();
  // Nothing in the inventory logs in.
  size_t logins = 0;
  for (const auto& t : host->timings()) logins += t.fn == "C_Login";
  EXPECT_EQ(logins, 0u);
}

TEST_F(SoftHsm, RightPinLogsInWithExactlyOneLogin) {
  const size_t mark = host->timing_count();
  PinGuard guard(*session, false);
  auto a = guard.login(Secret(SoftHsmCard::kPin));
  EXPECT_TRUE(a.logged_in);
  EXPECT_TRUE(a.login_sent);
  EXPECT_EQ(logins_since(mark), 1u);
}

TEST_F(SoftHsm, WrongPinSpendsOneTryAndReportsTriesLeft) {
  const size_t mark = host->timing_count();
  PinGuard guard(*session, false);
  auto a = guard.login(Secret("000000"));
  ASSERT_TRUE(a.error);
  EXPECT_EQ(a.error->code, "P11-PIN-WRONG");
  EXPECT_FALSE(a.logged_in);
  EXPECT_EQ(logins_since(mark), 1u) << "never retried";
  // SoftHSM2 sets COUNT_LOW after a wrong PIN; on a HiCOS-labelled token that is 2 left.
  ASSERT_TRUE(a.tries_left);
  EXPECT_EQ(*a.tries_left, 2);
  // A good login afterwards clears it (and keeps the suite independent of order).
  login();
}

TEST_F(SoftHsm, MalformedPinNeverReachesTheToken) {
  const size_t mark = host->timing_count();
  for (const char* bad : {"12", "123456789", "12 456", ""}) {
    PinGuard guard(*session, false);
    auto a = guard.login(Secret(bad));
    ASSERT_TRUE(a.error);
    EXPECT_EQ(a.error->code, "P11-PIN-FORMAT") << bad;
    EXPECT_FALSE(a.login_sent);
  }
  EXPECT_EQ(logins_since(mark), 0u);
}

TEST_F(SoftHsm, PinIsNotInTheHostsCommandLineOrEnvironment) {
  login();
  const std::string pid = std::to_string(host->pid());
  for (const char* file : {"cmdline", "environ"}) {
    std::ifstream in("/proc/" + pid + "/" + file, std::ios::binary);
    ASSERT_TRUE(in) << file;
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(content.empty()) << file;
    EXPECT_EQ(content.find(SoftHsmCard::kPin), std::string::npos) << file;
  }
}

TEST_F(SoftHsm, SigningTestPassesForEachOfferedMechanism) {
  login();
  CheckResult r = test_signing(*session);
  EXPECT_EQ(r.status, Status::pass) << to_json(r).dump(2);
  ASSERT_EQ(r.evidence["mechanisms"].size(), 2u);
  for (const auto& m : r.evidence["mechanisms"]) {
    EXPECT_EQ(m["result"], "pass") << m.dump();
    EXPECT_TRUE(m["verifies"].get<bool>());
    EXPECT_TRUE(m["tampered_rejected"].get<bool>());
  }
}

TEST_F(SoftHsm, RawSignatureVerifiesAndTamperedDoesNot) {
  login();
  auto cert = session->certificate(kSignId);
  ASSERT_TRUE(cert);
  const std::vector<uint8_t> msg = {'h', 'e', 'l', 'l', 'o'};
  for (unsigned long mech : {CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS}) {
    auto sig = sign_sha256_rsa(*session, kSignId, msg, mech);
    ASSERT_TRUE(sig) << sig.error().detail;
    EXPECT_TRUE(*verify_sha256_rsa(*cert, msg, sig->signature));
    auto other = msg;
    other[0] = 'j';
    EXPECT_FALSE(*verify_sha256_rsa(*cert, other, sig->signature));
    // Both mechanisms give the same deterministic PKCS#1 v1.5 signature.
    static std::vector<uint8_t> first;
    if (first.empty()) first = sig->signature;
    else EXPECT_EQ(first, sig->signature);
  }
}

TEST_F(SoftHsm, DecryptionTestPassesWithPkcs1AndOaep) {
  login();
  CheckResult r = test_decryption(*session);
  EXPECT_EQ(r.status, Status::pass) << to_json(r).dump(2);
  ASSERT_EQ(r.evidence["mechanisms"].size(), 2u);
  EXPECT_EQ(r.evidence["mechanisms"][0]["result"], "pass");
  EXPECT_EQ(r.evidence["mechanisms"][1]["result"], "pass");
}

TEST_F(SoftHsm, CmsHasTheLocalSignShapeAndVerifiesWithOpensslCli) {
  login();
  const std::string tbs = "waste-declaration login challenge 8f1e";
  auto cms = sign_cms(*session, tbs, "nonce-1234", true);
  ASSERT_TRUE(cms) << cms.error().code << " " << cms.error().detail;
  auto c = verify_cms(*cms);
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->content, tbs);
  EXPECT_EQ(c->signer_count, 1u);
  EXPECT_EQ(c->nonce.value_or(""), "nonce-1234");
  auto ti = session->token_info();
  ASSERT_TRUE(ti);
  EXPECT_EQ(c->card_serial.value_or("?"), (*ti)["serial"].get<std::string>());
  EXPECT_EQ(c->signer_certificate, *session->certificate(kSignId));

  // An independent verifier: the openssl command line, against the SIGN certificate.
  const std::string file = g_card->dir() + "/login.p7s";
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(cms->data()), static_cast<std::streamsize>(cms->size()));
  const std::string out = g_card->dir() + "/login.txt";
  ASSERT_EQ(test::run_command("openssl cms -verify -binary -inform DER -in " + file + " -CAfile " + g_card->sign_cert_pem() +
                              " -purpose any -out " + out + " 2>/dev/null"),
            0);
  std::ifstream in(out);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), tbs);
  // The structure carries the attributes the site expects (printed by asn1parse).
  const std::string dump = g_card->dir() + "/asn1.txt";
  ASSERT_EQ(test::run_command("openssl asn1parse -inform DER -in " + file + " > " + dump), 0);
  std::ifstream d(dump);
  const std::string text((std::istreambuf_iterator<char>(d)), std::istreambuf_iterator<char>());
  for (const char* needle : {"contentType", "signingTime", "messageDigest", "1.2.840.113549.1.9.25.3", "2.16.886.1.100.2.204", "sha256"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle;

  auto without_sn = sign_cms(*session, tbs, "n2", false);
  ASSERT_TRUE(without_sn);
  auto c2 = verify_cms(*without_sn);
  ASSERT_TRUE(c2);
  EXPECT_FALSE(c2->card_serial);
}

TEST_F(SoftHsm, TamperedCmsIsRejected) {
  login();
  auto cms = sign_cms(*session, "text", "n", false);
  ASSERT_TRUE(cms);
  auto bad = *cms;
  bad[bad.size() - 10] ^= 0x40;  // inside the signature value, the last field
  auto c = verify_cms(bad);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "P11-CMS-INVALID");
  EXPECT_FALSE(verify_cms(std::vector<uint8_t>{0x30, 0x03, 0x01}));
}

TEST_F(SoftHsm, SessionCloseLogsOut) {
  login();
  const size_t mark = host->timing_count();
  session->close();
  std::vector<std::string> fns;
  for (const auto& t : host->timings(mark)) fns.push_back(t.fn);
  ASSERT_EQ(fns.size(), 2u);
  EXPECT_EQ(fns[0], "C_Logout");
  EXPECT_EQ(fns[1], "C_CloseSession");
}

std::vector<CheckResult> run(const RunOptions& o) {
  auto checks = pkcs11_checks(o);
  for (auto& c : selftest_checks(o)) checks.push_back(std::move(c));
  return run_checks(checks, RunnerOptions{});
}

TEST_F(SoftHsm, AllChecksPassThroughTheEngine) {
  RunOptions o;
  o.pkcs11_module = SoftHsmCard::kModule;
  o.pin = std::make_shared<Secret>(SoftHsmCard::kPin);
  auto results = run(o);
  ASSERT_EQ(results.size(), 6u);
  for (const auto& r : results) EXPECT_EQ(r.status, Status::pass) << to_json(r).dump(2);
  // Every self-test reports how long its PKCS#11 calls took.
  for (size_t i = 2; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].evidence.contains("pkcs11_ms")) << results[i].id;
    EXPECT_FALSE(results[i].evidence["pkcs11_calls"].empty()) << results[i].id;
  }
  EXPECT_EQ(results[0].evidence["info"]["manufacturer"], "SoftHSM");
  // No output of the run contains the PIN.
  for (const auto& r : results) EXPECT_EQ(to_json(r).dump().find(SoftHsmCard::kPin), std::string::npos) << r.id;
}

TEST_F(SoftHsm, OneModuleHostServesTheWholeRun) {
  // diagnose and selftest give every PKCS#11 check one shared host: one process start,
  // one C_Initialize, with the same verdicts and the same PIN handling as before.
  RunOptions o;
  o.pkcs11_module = SoftHsmCard::kModule;
  o.pin = std::make_shared<Secret>(SoftHsmCard::kPin);
  auto share = share_module_host(o);
  auto checks = pkcs11_checks(o, share);
  for (auto& c : selftest_checks(o, share)) checks.push_back(std::move(c));
  auto results = run_checks(checks, RunnerOptions{});
  ASSERT_EQ(results.size(), 6u);
  for (const auto& r : results) EXPECT_EQ(r.status, Status::pass) << to_json(r).dump(2);
  EXPECT_EQ(share->hosts_started(), 1);
  // The last check to finish ended the host, while the checks themselves still exist.
  EXPECT_FALSE(share->running());
  // C_Initialize is counted once, in the check that started the host; each later check
  // reports only its own calls.
  int initializes = 0;
  for (const auto& r : results)
    for (const auto& c : r.evidence.value("pkcs11_calls", Json::array())) initializes += c.value("fn", "") == "C_Initialize";
  EXPECT_EQ(initializes, 0);  // the module check reports its calls through "info"
  EXPECT_GT(results[0].evidence["pkcs11_ms"].get<double>(), 0.0);
  EXPECT_EQ(results[1].evidence["pkcs11_calls"][0]["fn"], "C_GetSlotList") << results[1].evidence["pkcs11_calls"].dump();
  for (const auto& r : results) EXPECT_EQ(to_json(r).dump().find(SoftHsmCard::kPin), std::string::npos) << r.id;
}

TEST_F(SoftHsm, WrongPinOnASharedHostIsStillOneLoginAndSkipsTheRest) {
  RunOptions o;
  o.pkcs11_module = SoftHsmCard::kModule;
  o.pin = std::make_shared<Secret>("999999");
  auto share = share_module_host(o);
  auto checks = pkcs11_checks(o, share);
  for (auto& c : selftest_checks(o, share)) checks.push_back(std::move(c));
  auto results = run_checks(checks, RunnerOptions{});
  EXPECT_EQ(results[2].code, "P11-PIN-WRONG");
  int logins = 0;
  for (const auto& r : results)
    for (const auto& c : r.evidence.value("pkcs11_calls", Json::array())) logins += c.value("fn", "") == "C_Login";
  EXPECT_EQ(logins, 1);
  for (size_t i = 3; i < results.size(); ++i) EXPECT_EQ(results[i].status, Status::skipped) << results[i].id;
  EXPECT_EQ(share->hosts_started(), 1);
  EXPECT_FALSE(share->running());
  login();  // clear SoftHSM2's COUNT_LOW for the other tests
}

TEST_F(SoftHsm, WithoutPinSelfTestsAreSkipped) {
  RunOptions o;
  o.pkcs11_module = SoftHsmCard::kModule;
  auto results = run(o);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[1].status, Status::pass);
  for (size_t i = 2; i < results.size(); ++i) EXPECT_EQ(results[i].status, Status::skipped) << results[i].id;
}

TEST_F(SoftHsm, WrongPinFailsThePinCheckAndSkipsTheRest) {
  RunOptions o;
  o.pkcs11_module = SoftHsmCard::kModule;
  o.pin = std::make_shared<Secret>("999999");
  auto results = run(o);
  EXPECT_EQ(results[2].code, "P11-PIN-WRONG");
  EXPECT_NE(results[2].summary.en.find("2 tries left"), std::string::npos) << results[2].summary.en;
  for (size_t i = 3; i < results.size(); ++i) EXPECT_EQ(results[i].status, Status::skipped) << results[i].id;
  login();  // clear SoftHSM2's COUNT_LOW for the other tests
}

TEST_F(SoftHsm, UnknownReaderIsReported) {
  RunOptions o;
  o.pkcs11_module = SoftHsmCard::kModule;
  o.pin = std::make_shared<Secret>(SoftHsmCard::kPin);
  o.reader = "No Such Reader 00 00";
  auto results = run(o);
  EXPECT_EQ(results[2].code, "P11-READER-NOT-FOUND");
}

}  // namespace
}  // namespace certwiz::pkcs11

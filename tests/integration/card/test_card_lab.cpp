// checks/card against the lab's virtual HiCOS cards over real pcscd + vpcd:
// - gen1 (citizen, business) and gen2 (g2-citizen) read whole, certificates equal to the
//   lab PKI files by SHA-256 (fingerprints from the openssl CLI, not from our code);
// - read-only proof: the card's own APDU log holds nothing outside the allow-list;
// - fault cards on the free reader D 00 00: foreign, removed mid-read, CDF past the end
//   of 08F2, CDF with garbage records, each with its own outcome;
// - the cross-check against the cardsim PKCS#11 module, equal and swapped;
// - `certwiz diagnose` with CERTWIZ_PKCS11_MODULE unset: both cards, expired and revoked
//   named as such from the certificates read over APDU.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "checks/card/checks.h"
#include "checks/card/pcsc_transport.h"
#include "checks/core/runner.h"
#include "checks/pcsc/checks.h"
#include "checks/pkcs11/checks.h"

namespace certwiz::card {
namespace {

using namespace std::chrono_literals;

constexpr char kCitizenReader[] = "CertWiz Lab Reader A 00 00";
constexpr char kBusinessReader[] = "CertWiz Lab Reader A 00 01";
constexpr char kG2Reader[] = "CertWiz Lab Reader C 00 01";
constexpr char kFreeReader[] = "CertWiz Lab Reader D 00 00";
constexpr int kFreePort = 35993;
constexpr int kCitizenPort = 35963;
constexpr char kGen1Atr[] = "3B B8 13 00 81 31 FA 52 43 48 54 4D 4F 49 43 41 A5";
constexpr char kGen2Atr[] = "3B D8 96 00 81 B1 FE 45 1F 07 43 48 54 47 50 4B 49 4A DD";

int lab(const std::string& args) {
  const std::string cmd = std::string(CERTWIZ_LAB_SCRIPT) + " " + args + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string run_output(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// The oracle: openssl's SHA-256 fingerprint of a PEM file, as lower-case hex.
std::string openssl_sha256(const std::string& pem) {
  std::string out = run_output("openssl x509 -in '" + pem + "' -noout -fingerprint -sha256");
  const size_t eq = out.find('=');
  std::string hex;
  for (size_t i = eq + 1; eq != std::string::npos && i < out.size(); ++i)
    if (std::isxdigit(static_cast<unsigned char>(out[i]))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
  return hex;
}

Json lab_cards() {
  std::ifstream in(env("CERTWIZ_LAB_CARDS"));
  return Json::parse(in);
}

std::string apdu_log(const std::string& card) { return env("CERTWIZ_LAB_DIR") + "/logs/apdu-" + card + ".log"; }

std::vector<std::string> lines_from(const std::string& path, std::streamoff from) {
  std::ifstream in(path);
  in.seekg(from);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#') out.push_back(l);
  return out;
}

std::streamoff size_of(const std::string& path) {
  std::ifstream in(path, std::ios::ate);
  return in ? static_cast<std::streamoff>(in.tellg()) : 0;
}

bool wait_reader(const std::string& reader, bool present, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    auto r = readers_with_card();
    if (r) {
      const bool in = std::find(r->begin(), r->end(), reader) != r->end();
      if (in == present) return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// A card OS of our lab started by the test on a reader's vpcd port (fault cards).
class ExtraCard {
 public:
  ExtraCard(const std::string& image, int port, const std::string& fault, const std::string& reader) : reader_(reader) {
    log_ = "/tmp/certwiz-card-lab-" + std::to_string(::getpid()) + "-" + std::to_string(port) + ".log";
    std::remove(log_.c_str());
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string pythonpath = "/usr/lib/python3/site-packages/virtualsmartcard:" + env("CERTWIZ_LAB_DIR") + "/pylib";
      ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
      const std::string port_s = std::to_string(port);
      std::vector<const char*> argv{"/usr/bin/python3", CERTWIZ_LAB_CARD_OS, "--image", image.c_str(), "--port", port_s.c_str(),
                                    "--log", log_.c_str()};
      if (!fault.empty()) {
        argv.push_back("--fault");
        argv.push_back(fault.c_str());
      }
      argv.push_back(nullptr);
      ::execv(argv[0], const_cast<char* const*>(argv.data()));
      ::_exit(127);
    }
    present_ = wait_reader(reader_, true, 5s);
  }
  ~ExtraCard() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    wait_reader(reader_, false, 5s);
    std::remove(log_.c_str());
  }
  bool present() const { return present_; }
  const std::string& log() const { return log_; }

 private:
  std::string reader_, log_;
  pid_t pid_ = -1;
  bool present_ = false;
};

std::string image(const std::string& name) { return env("CERTWIZ_LAB_DIR") + "/cards/" + name + ".json"; }

// Every line of a card's APDU log ("<command hex> -> <answer>") is a command of the allow-list.
void expect_only_reads(const std::vector<std::string>& lines, const std::string& who) {
  ASSERT_FALSE(lines.empty()) << who;
  for (const auto& l : lines) {
    const std::string cmd = l.substr(0, l.find(' '));
    Bytes bytes;
    for (size_t i = 0; i + 1 < cmd.size(); i += 2) bytes.push_back(static_cast<std::uint8_t>(std::stoul(cmd.substr(i, 2), nullptr, 16)));
    EXPECT_FALSE(read_only_refusal(bytes).has_value()) << who << ": " << l;
    // An independent statement of the same rule: INS A4/B0/C0 only, CLA 00 or 80.
    ASSERT_GE(bytes.size(), 4u);
    EXPECT_TRUE(bytes[1] == 0xA4 || bytes[1] == 0xB0 || bytes[1] == 0xC0) << who << ": " << l;
    EXPECT_TRUE(bytes[0] == 0x00 || bytes[0] == 0x80) << who << ": " << l;
  }
}

class CardLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_NE(std::getenv("CERTWIZ_LAB"), nullptr) << "run inside the lab"; }
  void TearDown() override {
    lab("card remove g2-citizen");
    lab("card remove expired");
    lab("card remove revoked");
    lab("card insert citizen");
  }
};

void expect_matches_lab(const CardRead& read, const Json& card, const char* generation) {
  ASSERT_TRUE(read.contents.ok()) << read.contents.error().code << " " << read.contents.error().detail;
  const CardContents& c = *read.contents;
  EXPECT_EQ(generation_name(c.generation), generation);
  ASSERT_TRUE(c.token_info.has_value());
  EXPECT_EQ(c.token_info->serial, card["serial"]);
  const Json j = card_read_to_json(read);
  std::map<std::string, std::string> by_label;
  for (const auto& cert : j["certificates"]) by_label[cert["label"]] = cert.value("sha256", "");
  EXPECT_EQ(by_label["SIGN"], openssl_sha256(card["sign_cert"]));
  EXPECT_EQ(by_label["KEYX"], openssl_sha256(card["keyx_cert"]));
  EXPECT_GE(c.certificates.size(), 4u);  // SIGN, KEYX, issuing CA, root
  for (const auto& cert : c.certificates) EXPECT_FALSE(cert.der.empty()) << cert.record.label << ": " << cert.problem;
  std::printf("[ card ] %s: %s, %zu certificates, %zu APDUs, %.1f ms\n", read.reader.c_str(), generation, c.certificates.size(),
              read.trace.size(), read.ms);
}

TEST_F(CardLab, Gen1CardsReadWholeAndEqualTheLabPki) {
  const Json cards = lab_cards()["cards"];
  for (const auto& [name, reader] : {std::pair{"citizen", kCitizenReader}, std::pair{"business", kBusinessReader}}) {
    const std::streamoff mark = size_of(apdu_log(name));
    const CardRead read = read_card_in_reader(reader);
    EXPECT_EQ(pcsc::hex_spaced(read.atr), kGen1Atr);
    expect_matches_lab(read, cards[name], "gen1");
    // The read-only proof: what the card received is what we sent, and only reads.
    const auto lines = lines_from(apdu_log(name), mark);
    expect_only_reads(lines, name);
    EXPECT_EQ(lines.size(), read.trace.size()) << name;
  }
}

TEST_F(CardLab, Gen2CardReadsThroughTheApplet) {
  ASSERT_EQ(lab("card insert g2-citizen"), 0);
  const std::streamoff mark = size_of(apdu_log("g2-citizen"));
  const CardRead read = read_card_in_reader(kG2Reader);
  EXPECT_EQ(pcsc::hex_spaced(read.atr), kGen2Atr);
  expect_matches_lab(read, lab_cards()["cards"]["g2-citizen"], "gen2");
  const auto lines = lines_from(apdu_log("g2-citizen"), mark);
  expect_only_reads(lines, "g2-citizen");
  // The pcsc check's applet probe agrees: this card has the GPPKI applet.
  RunOptions o;
  o.lang = Lang::en;
  o.reader = kG2Reader;
  RunnerOptions ro;
  ro.max_parallel = 1;
  for (auto& r : run_checks(pcsc::pcsc_checks(o), ro)) {
    if (r.id == "card.atr") {
      EXPECT_EQ(r.evidence["cards"][0]["card_type"]["generation"], "gen2") << r.evidence.dump();
    }
  }
}

TEST_F(CardLab, ForeignCardHasItsOwnCode) {
  ExtraCard card(image("citizen"), kFreePort, "foreign", kFreeReader);
  ASSERT_TRUE(card.present());
  const CardRead read = read_card_in_reader(kFreeReader);
  ASSERT_FALSE(read.contents.ok());
  EXPECT_EQ(read.contents.error().code, "CARD-READ-FOREIGN") << read.contents.error().detail;
  expect_only_reads(lines_from(card.log(), 0), "foreign");
}

TEST_F(CardLab, CardRemovedMidReadHasItsOwnCode) {
  ExtraCard card(image("citizen"), kFreePort, "removed-after:12", kFreeReader);
  ASSERT_TRUE(card.present());
  const CardRead read = read_card_in_reader(kFreeReader);
  ASSERT_FALSE(read.contents.ok());
  EXPECT_EQ(read.contents.error().code, "CARD-READ-REMOVED") << read.contents.error().detail;
  EXPECT_EQ(read.trace.size(), 13u);
}

TEST_F(CardLab, CdfPastTheEndOf08F2NamesThatCertificate) {
  ExtraCard card(image("citizen+cdf-past-end"), kFreePort, "", kFreeReader);
  ASSERT_TRUE(card.present());
  const CardRead read = read_card_in_reader(kFreeReader);
  ASSERT_TRUE(read.contents.ok()) << read.contents.error().detail;
  const auto& certs = read.contents->certificates;
  ASSERT_GE(certs.size(), 4u);
  EXPECT_FALSE(certs.front().der.empty());
  EXPECT_TRUE(certs.back().der.empty());
  EXPECT_EQ(certs.back().problem_code, "CARD-CERT-OUT-OF-RANGE") << certs.back().problem;
}

TEST_F(CardLab, CdfWithGarbageRecordsReadsTheRest) {
  ExtraCard card(image("citizen+cdf-garbage"), kFreePort, "", kFreeReader);
  ASSERT_TRUE(card.present());
  const CardRead read = read_card_in_reader(kFreeReader);
  ASSERT_TRUE(read.contents.ok()) << read.contents.error().detail;
  EXPECT_EQ(read.contents->cdf_problems.size(), 2u);
  EXPECT_EQ(read.contents->certificates.size(), lab_cards()["cards"]["citizen"].is_object() ? 4u : 0u);
  for (const auto& c : read.contents->certificates) EXPECT_FALSE(c.der.empty());
}

std::map<std::string, CheckResult> run_card_and_pkcs11() {
  RunOptions o;
  o.lang = Lang::en;
  o.pkcs11_module = env("CERTWIZ_PKCS11_MODULE");
  o.reader = kCitizenReader;
  std::vector<Check> checks = pcsc::pcsc_checks(o);
  for (auto& c : pkcs11::pkcs11_checks(o)) checks.push_back(std::move(c));
  for (auto& c : card_checks(o, {"pkcs11.tokens"})) checks.push_back(std::move(c));
  RunnerOptions ro;
  ro.max_parallel = 1;
  std::map<std::string, CheckResult> out;
  for (auto& r : run_checks(checks, ro)) out[r.id] = r;
  return out;
}

TEST_F(CardLab, CrossCheckAgreesWithTheModuleAndCatchesAnotherCard) {
  auto same = run_card_and_pkcs11();
  ASSERT_EQ(same["pkcs11.tokens"].status, Status::pass) << same["pkcs11.tokens"].summary.en;
  EXPECT_EQ(same["card.crosscheck"].status, Status::pass) << same["card.crosscheck"].summary.en << " " << same["card.crosscheck"].detail;
  // The business card's chip in the citizen's reader: cardsim still shows lab-citizen there
  // (a middleware's stale view), the card itself says otherwise.
  ASSERT_EQ(lab("card remove citizen"), 0);
  {
    ExtraCard swapped(image("business"), kCitizenPort, "", kCitizenReader);
    ASSERT_TRUE(swapped.present());
    auto other = run_card_and_pkcs11();
    EXPECT_EQ(other["card.crosscheck"].status, Status::fail);
    EXPECT_EQ(other["card.crosscheck"].code, "CARD-MISMATCH-SERIAL") << other["card.crosscheck"].evidence.dump();
  }
}

Json result_of(const Json& report, const std::string& id) {
  for (const auto& r : report["results"])
    if (r["id"] == id) return r;
  return nullptr;
}

TEST_F(CardLab, DiagnoseWithoutAModuleJudgesTheCertificatesReadFromTheCards) {
  ASSERT_EQ(lab("card insert expired"), 0);
  ASSERT_EQ(lab("card insert revoked"), 0);
  const std::string path = "/tmp/certwiz-card-diagnose-" + std::to_string(::getpid()) + ".json";
  const std::string home = "/tmp/certwiz-card-home-" + std::to_string(::getpid());
  const std::string cmd = "mkdir -p " + home + " && env -u CERTWIZ_PKCS11_MODULE HOME=" + home + " " + CERTWIZ_CLI +
                          " diagnose --lang en --no-redact --timeout 5 --trust \"$CERTWIZ_LAB_TRUST\" --json " + path +
                          " >/dev/null 2>&1 </dev/null";
  std::system(cmd.c_str());
  std::ifstream in(path);
  ASSERT_TRUE(in) << "no report";
  const Json j = Json::parse(in);
  std::remove(path.c_str());
  std::system(("rm -rf " + home).c_str());
  EXPECT_NE(result_of(j, "pkcs11.tokens")["status"], "pass");
  const Json contents = result_of(j, "card.contents");
  ASSERT_TRUE(contents.is_object());
  EXPECT_EQ(contents["evidence"]["tokens"].size(), 4u) << contents.dump().substr(0, 500);
  const std::string summary = contents["summary"]["en"];
  const Json cards = lab_cards()["cards"];
  EXPECT_NE(summary.find("Citizen certificate, " + cards["citizen"]["identity"]["name"].get<std::string>() + ", valid to "),
            std::string::npos) << summary;
  EXPECT_NE(summary.find("expired on "), std::string::npos) << summary;

  const Json validity = result_of(j, "cert.sign.validity");
  EXPECT_EQ(validity["code"], "CERT-EXPIRED");
  std::map<std::string, Json> by_reader;
  for (const auto& c : validity["evidence"]["certificates"]) by_reader[c["reader"]] = c;
  EXPECT_EQ(by_reader.size(), 4u);
  EXPECT_EQ(by_reader[kCitizenReader]["source"], "card.contents");
  EXPECT_EQ(by_reader[kCitizenReader]["status"], "pass");
  EXPECT_EQ(by_reader[kBusinessReader]["status"], "pass");
  EXPECT_EQ(by_reader[cards["expired"]["reader"].get<std::string>()]["code"], "CERT-EXPIRED");
  const Json chain = result_of(j, "cert.sign.chain");
  for (const auto& c : chain["evidence"]["certificates"]) EXPECT_EQ(c["status"], "pass") << c.dump();
  const Json revocation = result_of(j, "cert.sign.revocation");
  std::map<std::string, Json> rev;
  for (const auto& c : revocation["evidence"]["certificates"]) rev[c["reader"]] = c;
  EXPECT_EQ(rev[cards["revoked"]["reader"].get<std::string>()]["code"], "CERT-REVOKED") << revocation.dump().substr(0, 800);
  EXPECT_EQ(rev[kCitizenReader]["status"], "pass");
}

}  // namespace
}  // namespace certwiz::card

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// CertWiz's client of the local signing component against the lab's stand-in
// (tests/lab/localsign) misbehaving in each of its fault modes: slow answer, HTTP 500,
// malformed JSON, a body of tens of megabytes, a connection reset mid-answer, a wrong
// Content-Length. Every call ends with a stable code, within the client's time limit,
// and without a crash; a healthy stand-in answers normally again afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "checks/localsign/client.h"

using namespace certwiz;
using namespace certwiz::localsign;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTimeout = std::chrono::milliseconds(2000);

// The stand-in on a free port, with a fault file of its own.
class StandIn {
 public:
  StandIn() {
    dir_ = fs::temp_directory_path() / ("certwiz-localsign-faults-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    const std::string port_file = (dir_ / "port").string();
    pid_ = fork();
    if (pid_ == 0) {
      const std::string standin = CERTWIZ_LOCALSIGN_LAB, wl = (dir_ / "whiteList.txt").string(),
                        log = (dir_ / "requests.jsonl").string(), faults = fault_file();
      execl(standin.c_str(), standin.c_str(), "--port", "0", "--port-file", port_file.c_str(), "--module",
            "/nonexistent/no-module.so", "--whitelist", wl.c_str(), "--request-log", log.c_str(), "--fault-file",
            faults.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::ifstream in(port_file);
      if (!(in >> port_)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~StandIn() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string fault_file() const { return (dir_ / "fault").string(); }
  void set_fault(const std::string& spec) const { std::ofstream(fault_file(), std::ios::trunc) << spec << "\n"; }
  size_t requests(const std::string& path) const {
    std::ifstream in(dir_ / "requests.jsonl");
    size_t n = 0;
    for (std::string line; std::getline(in, line);)
      if (line.find("\"path\": \"" + path + "\"") != std::string::npos) ++n;
    return n;
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

struct Outcome {
  std::optional<Error> error;
  double ms = 0;
};

// One call of each kind the client makes; the PIN is a dummy (the card is never reached).
Outcome call(const StandIn& s, const std::string& which) {
  Client client(s.url(), kTimeout);
  const auto t0 = Clock::now();
  Outcome o;
  if (which == "/") {
    auto r = client.version();
    if (!r) o.error = r.error();
  } else if (which == "/pkcs11info") {
    auto r = client.pkcs11info(true);
    if (!r) o.error = r.error();
  } else {
    Secret pin("000000");
    SignRequest req;
    req.tbs = "fault test";
    req.nonce = "bm9uY2U";
    req.pin = &pin;
    req.origin = "https://127.0.0.1:8443";
    auto r = client.sign(req);
    if (!r) o.error = r.error();
  }
  o.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  return o;
}

class LocalSignFaults : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { standin_ = new StandIn(); }
  static void TearDownTestSuite() {
    delete standin_;
    standin_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(standin_->port(), 0) << "the stand-in did not start";
    standin_->set_fault("");
  }
  void TearDown() override { standin_->set_fault(""); }
  static inline StandIn* standin_ = nullptr;
};

const std::string kPaths[] = {"/", "/pkcs11info", "/sign"};

// Healthy first: the same calls are read (the stand-in has no module here, so pkcs11info
// and sign answer ret_code 0x76100001: well-formed answers all the same).
TEST_P(LocalSignFaults, HealthyAnswersAreRead) {
  Outcome o = call(*standin_, GetParam());
  EXPECT_FALSE(o.error) << o.error->code << " " << o.error->detail;
}

struct FaultCase {
  const char* fault;
  const char* code;
};
const FaultCase kCases[] = {
    {"http500", "LOCALSIGN-MALFORMED"},       {"malformed", "LOCALSIGN-MALFORMED"},
    {"huge:40", "LOCALSIGN-MALFORMED"},       {"reset", "LOCALSIGN-MALFORMED"},
    {"badlength:long", "LOCALSIGN-MALFORMED"}, {"badlength:short", "LOCALSIGN-MALFORMED"},
    {"slow:6", "LOCALSIGN-TIMEOUT"},
};

TEST_P(LocalSignFaults, EveryFaultEndsWithItsCodeWithinTheTimeLimit) {
  const std::string path = GetParam();
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::string(c.fault) + " on " + path);
    standin_->set_fault(std::string(c.fault) + "@" + path);
    const size_t before = standin_->requests(path);
    Outcome o = call(*standin_, path);
    ASSERT_TRUE(o.error) << "a faulty answer was taken as good";
    EXPECT_EQ(o.error->code, c.code) << o.error->detail;
    // Never longer than the client's limit (plus scheduling slack on a loaded machine).
    const double limit_ms = std::chrono::duration<double, std::milli>(kTimeout).count() + 1500;
    EXPECT_LT(o.ms, limit_ms) << o.error->detail;
    EXPECT_EQ(standin_->requests(path), before + 1) << "the request reached the stand-in once";
  }
  // And with the fault gone, the same client reads the answer again.
  standin_->set_fault("");
  Outcome o = call(*standin_, path);
  EXPECT_FALSE(o.error) << o.error->code << " " << o.error->detail;
}

INSTANTIATE_TEST_SUITE_P(Paths, LocalSignFaults, ::testing::ValuesIn(kPaths),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           return i.param == "/" ? std::string("version") : i.param.substr(1);
                         });

// A fault given on the command line (the lab's other way) applies from the first request.
TEST(LocalSignFaultFlag, SlowFromTheCommandLine) {
  const fs::path dir = fs::temp_directory_path() / ("certwiz-localsign-flag-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string port_file = (dir / "port").string();
  pid_t pid = fork();
  if (pid == 0) {
    const std::string standin = CERTWIZ_LOCALSIGN_LAB, wl = (dir / "wl.txt").string();
    execl(standin.c_str(), standin.c_str(), "--port", "0", "--port-file", port_file.c_str(), "--whitelist", wl.c_str(),
          "--request-log", "", "--fault-file", "", "--fault", "slow:10@/", static_cast<char*>(nullptr));
    _exit(127);
  }
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::ifstream in(port_file);
    if (!(in >> port)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(port, 0);
  Client client("http://127.0.0.1:" + std::to_string(port), std::chrono::milliseconds(1000));
  const auto t0 = Clock::now();
  auto v = client.version();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  fs::remove_all(dir);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "LOCALSIGN-TIMEOUT");
  EXPECT_LT(ms, 2500);
}

}  // namespace

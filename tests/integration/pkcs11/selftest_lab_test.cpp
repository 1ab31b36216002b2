// `certwiz selftest` on the lab's simulated cards: the self-tests pass on good cards, the
// PIN guard never spends a try it was not given, vendor crashes and hangs end as results,
// and the PIN appears in no output and no child's command line or environment.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A /proc file of a process that exits while it is read fails with ESRCH, which
// libstdc++ throws from underflow(): such a process has nothing left to show.
std::string slurp(const fs::path& p) {
  try {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure&) {
    return {};
  }
}

struct Lab {
  json cards;
  std::string certwiz, state_dir, pin;
  Lab() {
    cards = json::parse(slurp(env("CERTWIZ_LAB_CARDS")));
    certwiz = env("CERTWIZ_BUILD_DIR") + "/bin/certwiz";
    state_dir = env("CERTWIZ_LAB_DIR") + "/cardsim";
    pin = cards["pin"].get<std::string>();
  }
  std::string reader(const std::string& card) const { return cards["cards"][card]["reader"]; }
  json state(const std::string& card) const {
    const std::string text = slurp(state_dir + "/" + card + ".json");
    return text.empty() ? json{{"tries_left", 3}, {"logins", 0}} : json::parse(text);
  }
  long logins(const std::string& card) const { return state(card).value("logins", 0L); }
  int tries_left(const std::string& card) const { return state(card).value("tries_left", 3); }
  // Sets the card's tries, keeping its counters (as `lab card reset` does).
  void set_tries(const std::string& card, int tries) const {
    json s = state(card);
    s["tries_left"] = tries;
    const std::string tmp = state_dir + "/" + card + ".json.test-tmp";
    std::ofstream(tmp) << s.dump();
    fs::rename(tmp, state_dir + "/" + card + ".json");
  }
};

struct CliRun {
  int exit_code = -1;
  std::string out, err, json_text, log;
  json report;
  double seconds = 0;
  const json* result(const std::string& id) const {
    for (const auto& r : report["results"])
      if (r["id"] == id) return &r;
    return nullptr;
  }
};

class SelftestLab : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("certwiz-p11-lab-" + std::to_string(getpid()));
    fs::create_directories(dir);
    lab.set_tries("citizen", 3);
    lab.set_tries("business", 3);
  }
  void TearDown() override {
    lab.set_tries("citizen", 3);
    lab.set_tries("business", 3);
    fs::remove_all(dir);
  }

  // Starts certwiz with `args`, the PIN file on standard input and `extra_env` added.
  pid_t start(std::vector<std::string> args, const std::string& pin, const std::vector<std::string>& extra_env = {},
              bool with_log = true) {
    const std::string pin_file = (dir / "pin").string();
    {
      std::ofstream p(pin_file, std::ios::trunc);
      p << pin << "\n";
    }
    fs::permissions(pin_file, fs::perms::owner_read | fs::perms::owner_write);
    args.insert(args.begin(), lab.certwiz);
    args.insert(args.end(), {"--json", (dir / "report.json").string(), "-v"});
    if (with_log) args.insert(args.end(), {"--log", (dir / "run.log").string()});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    for (const auto& e : extra_env) envs.push_back(e);
    std::vector<char*> envp;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    fs::remove(dir / "report.json");
    fs::remove(dir / "run.log");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, pin_file.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, (dir / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, (dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    EXPECT_EQ(posix_spawn(&pid, lab.certwiz.c_str(), &fa, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&fa);
    started = std::chrono::steady_clock::now();
    return pid;
  }

  CliRun finish(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    CliRun r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(dir / "stdout");
    r.err = slurp(dir / "stderr");
    r.json_text = slurp(dir / "report.json");
    r.log = slurp(dir / "run.log");
    if (!r.json_text.empty()) r.report = json::parse(r.json_text);
    fs::remove(dir / "pin");
    return r;
  }

  CliRun selftest(const std::string& card, const std::string& pin, std::vector<std::string> extra_args = {},
               const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> args = {"selftest", "--lang", "en", "--pin-stdin", "--slot", lab.reader(card)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return finish(start(args, pin, extra_env));
  }

  Lab lab;
  fs::path dir;
  std::chrono::steady_clock::time_point started;
};

// `had_wrong_tries`: the card had counted wrong PINs before the run, which the inventory
// and the PIN check (read before the login) report as a warning.
void expect_all_selftests_pass(const CliRun& r, bool had_wrong_tries = false) {
  EXPECT_EQ(r.exit_code, had_wrong_tries ? 1 : 0) << r.out << r.err;
  for (const char* id : {"pkcs11.tokens", "selftest.pin"}) {
    if (!had_wrong_tries) continue;
    EXPECT_EQ((*r.result(id))["status"], "warn") << id;
    EXPECT_EQ((*r.result(id))["code"], "P11-PIN-COUNT-LOW") << id;
  }
  for (const char* id : {"pkcs11.module", "pkcs11.tokens", "selftest.pin", "selftest.sign", "selftest.decrypt", "selftest.cms"}) {
    if (had_wrong_tries && (std::string(id) == "pkcs11.tokens" || std::string(id) == "selftest.pin")) continue;
    const json* res = r.result(id);
    ASSERT_TRUE(res) << id;
    EXPECT_EQ((*res)["status"], "pass") << id << ": " << res->dump(2);
  }
}

TEST_F(SelftestLab, CitizenCardPassesEverySelfTestWithOneLogin) {
  const long before = lab.logins("citizen");
  CliRun r = selftest("citizen", lab.pin);
  expect_all_selftests_pass(r);
  EXPECT_EQ(lab.logins("citizen"), before + 1);
  // The module's identity and the card as the inventory saw it.
  EXPECT_EQ((*r.result("pkcs11.module"))["evidence"]["info"]["description"], "CertWiz card simulator");
  const json* pin = r.result("selftest.pin");
  EXPECT_EQ((*pin)["evidence"]["serial"], lab.cards["cards"]["citizen"]["serial"]);
  // The sign test checked each mechanism the card offers (SoftHSM2 behind it offers both).
  for (const auto& m : (*r.result("selftest.sign"))["evidence"]["mechanisms"]) EXPECT_EQ(m["result"], "pass") << m.dump();
  for (const auto& m : (*r.result("selftest.decrypt"))["evidence"]["mechanisms"]) EXPECT_EQ(m["result"], "pass") << m.dump();
}

TEST_F(SelftestLab, BusinessCardPassesEverySelfTest) {
  const long before = lab.logins("business");
  CliRun r = selftest("business", lab.pin);
  expect_all_selftests_pass(r);
  EXPECT_EQ(lab.logins("business"), before + 1);
}

TEST_F(SelftestLab, InventoryFollowsTheCertificateContract) {
  CliRun r = selftest("citizen", lab.pin);
  const json& ev = (*r.result("pkcs11.tokens"))["evidence"];
  ASSERT_GE(ev["tokens"].size(), 2u);  // citizen and business are in
  bool found = false;
  for (const auto& t : ev["tokens"]) {
    if (t["reader"] != lab.reader("citizen")) continue;
    found = true;
    EXPECT_EQ(t["label"], "HiCOS PKI Smart Card");
    EXPECT_EQ(t["manufacturer"], "Chunghwa TeleCom Co., Ltd.");
    EXPECT_EQ(t["pin"]["min"], 6);
    EXPECT_EQ(t["pin"]["max"], 8);
    std::map<std::string, std::string> ids;
    for (const auto& c : t["certificates"]) ids[c["id"]] = c["label"];
    EXPECT_EQ(ids["5349474e"], "SIGN");
    EXPECT_EQ(ids["4b455958"], "KEYX");
    EXPECT_FALSE(t["certificates"][0]["der_base64"].get<std::string>().empty());
  }
  EXPECT_TRUE(found);
}

TEST_F(SelftestLab, SeveralCardsWithoutSlotRefusesToGuess) {
  const long c = lab.logins("citizen"), b = lab.logins("business");
  CliRun r = finish(start({"selftest", "--lang", "en", "--pin-stdin"}, lab.pin));
  EXPECT_EQ((*r.result("selftest.pin"))["code"], "P11-MULTIPLE-TOKENS");
  EXPECT_EQ(lab.logins("citizen"), c);
  EXPECT_EQ(lab.logins("business"), b);
}

TEST_F(SelftestLab, FinalTryIsRefusedWithoutAnyLogin) {
  lab.set_tries("citizen", 1);
  const long before = lab.logins("citizen");
  CliRun r = selftest("citizen", lab.pin);
  const json* pin = r.result("selftest.pin");
  ASSERT_TRUE(pin);
  EXPECT_EQ((*pin)["code"], "P11-PIN-FINAL-TRY-REFUSED");
  EXPECT_EQ((*pin)["evidence"]["login_sent"], false);
  EXPECT_EQ(lab.logins("citizen"), before) << "no C_Login may reach the card";
  EXPECT_EQ(lab.tries_left("citizen"), 1);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ((*r.result("selftest.sign"))["status"], "skipped");

  // Confirmed separately: exactly one login, and a right PIN restores the tries.
  CliRun ok = selftest("citizen", lab.pin, {"--confirm-final-try"});
  expect_all_selftests_pass(ok, true);
  EXPECT_EQ(lab.logins("citizen"), before + 1);
  EXPECT_EQ(lab.tries_left("citizen"), 3);
}

TEST_F(SelftestLab, LockedCardIsStoppedWithTheIssuersRemedy) {
  lab.set_tries("citizen", 0);
  const long before = lab.logins("citizen");
  CliRun r = selftest("citizen", lab.pin);
  const json* pin = r.result("selftest.pin");
  ASSERT_TRUE(pin);
  EXPECT_EQ((*pin)["code"], "P11-PIN-LOCKED");
  EXPECT_NE((*pin)["remedy"]["zh_TW"].get<std::string>().find("戶政事務所"), std::string::npos);
  EXPECT_EQ(lab.logins("citizen"), before);
  // The inventory already warns about it (and stays usable for the certificate checks).
  EXPECT_EQ((*r.result("pkcs11.tokens"))["status"], "warn");
}

TEST_F(SelftestLab, OneWrongPinSpendsExactlyOneTry) {
  const long before = lab.logins("citizen");
  CliRun r = selftest("citizen", "000000");
  const json* pin = r.result("selftest.pin");
  ASSERT_TRUE(pin);
  EXPECT_EQ((*pin)["code"], "P11-PIN-WRONG");
  EXPECT_NE((*pin)["summary"]["en"].get<std::string>().find("2 tries left"), std::string::npos) << pin->dump(2);
  EXPECT_EQ((*pin)["evidence"]["tries_left"], 2);
  EXPECT_EQ(lab.logins("citizen"), before + 1);
  EXPECT_EQ(lab.tries_left("citizen"), 2);
  for (const char* id : {"selftest.sign", "selftest.decrypt", "selftest.cms"}) EXPECT_EQ((*r.result(id))["status"], "skipped") << id;
}

TEST_F(SelftestLab, MalformedPinNeverReachesTheCard) {
  const long before = lab.logins("citizen");
  for (const char* bad : {"123", "123456789", "12 3456"}) {
    CliRun r = selftest("citizen", bad);
    EXPECT_EQ((*r.result("selftest.pin"))["code"], "P11-PIN-FORMAT") << bad;
  }
  EXPECT_EQ(lab.logins("citizen"), before);
  EXPECT_EQ(lab.tries_left("citizen"), 3);
}

TEST_F(SelftestLab, CrashInLoginIsAResultAndTheRunCompletes) {
  CliRun r = selftest("citizen", lab.pin, {}, {"CARDSIM_FAULT=crash:C_Login"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const json* pin = r.result("selftest.pin");
  ASSERT_TRUE(pin) << "the report must still be written";
  EXPECT_EQ((*pin)["code"], "P11-MODULE-CRASHED");
  EXPECT_NE((*pin)["detail"].get<std::string>().find("SIGABRT"), std::string::npos) << pin->dump(2);
  EXPECT_EQ((*r.result("pkcs11.tokens"))["status"], "pass");  // other checks unaffected
  EXPECT_LT(r.seconds, 30);
  EXPECT_EQ(lab.tries_left("citizen"), 3);
}

TEST_F(SelftestLab, HangInSignIsStoppedAfterTheTimeLimit) {
  CliRun r = selftest("citizen", lab.pin, {"--timeout", "2"}, {"CARDSIM_FAULT=hang:C_Sign:card:citizen"});
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_TRUE(r.result("selftest.sign"));
  EXPECT_EQ((*r.result("selftest.pin"))["status"], "pass");
  EXPECT_EQ((*r.result("selftest.sign"))["code"], "P11-MODULE-HUNG") << r.result("selftest.sign")->dump(2);
  // Decryption does not sign; whether it ran before the hang or found the session gone,
  // it is never blamed for the hang.
  EXPECT_NE((*r.result("selftest.decrypt"))["code"], "P11-MODULE-HUNG");
  EXPECT_LT(r.seconds, 25);
}

TEST_F(SelftestLab, CardRemovedDuringSignIsNamed) {
  CliRun r = selftest("citizen", lab.pin, {}, {"CARDSIM_FAULT=removed:C_Sign:card:citizen"});
  EXPECT_EQ((*r.result("selftest.sign"))["code"], "P11-CARD-REMOVED") << r.result("selftest.sign")->dump(2);
  EXPECT_EQ(r.exit_code, 2);
}

// The PIN never shows: not in stdout, stderr, the JSON or the log of a full run, and
// not in the command line or environment of certwiz or its module host (caught alive
// while the module hangs, after the PIN went through it).
TEST_F(SelftestLab, PinAppearsNowhere) {
  const std::string pin = lab.pin;
  pid_t pid = start({"selftest", "--lang", "en", "--pin-stdin", "--slot", lab.reader("citizen"), "--timeout", "4"}, pin,
                    {"CARDSIM_FAULT=hang:C_Sign:card:citizen"});
  std::vector<std::string> hosts_seen;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (hosts_seen.empty() && std::chrono::steady_clock::now() < until) {
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string status = slurp(e.path() / "status");
      if (status.find("\nPPid:\t" + std::to_string(pid) + "\n") == std::string::npos) continue;
      if (slurp(e.path() / "comm") != "certwiz-p11host\n") continue;
      // Wait until the PIN has been used (selftest.pin done: the host is in C_Sign).
      if (slurp(dir / "run.log").find("finished selftest.pin") == std::string::npos) continue;
      for (const char* f : {"cmdline", "environ"}) {
        const std::string content = slurp(e.path() / f);
        EXPECT_FALSE(content.empty()) << f;
        EXPECT_EQ(content.find(pin), std::string::npos) << "host " << f;
      }
      hosts_seen.push_back(name);
    }
    for (const char* f : {"cmdline", "environ"})
      EXPECT_EQ(slurp("/proc/" + std::to_string(pid) + "/" + f).find(pin), std::string::npos) << "certwiz " << f;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(hosts_seen.empty()) << "never caught the module host alive";
  CliRun r = finish(pid);
  ASSERT_FALSE(r.json_text.empty());
  EXPECT_EQ((*r.result("selftest.pin"))["status"], "pass");
  EXPECT_FALSE(r.log.empty());
  EXPECT_FALSE(r.err.empty());  // -v echoes the log
  for (const auto& [what, text] : {std::pair{"stdout", &r.out}, {"stderr", &r.err}, {"json", &r.json_text}, {"log", &r.log}})
    EXPECT_EQ(text->find(pin), std::string::npos) << what;

  // And a clean full run.
  CliRun full = selftest("citizen", pin);
  expect_all_selftests_pass(full);
  for (const auto& [what, text] : {std::pair{"stdout", &full.out}, {"stderr", &full.err}, {"json", &full.json_text}, {"log", &full.log}})
    EXPECT_EQ(text->find(pin), std::string::npos) << what;
}

TEST_F(SelftestLab, DiagnoseRunsTheSelfTestsWithAPin) {
  CliRun r = finish(start({"diagnose", "--lang", "en", "--pin-stdin"}, lab.pin, {}, false));
  ASSERT_FALSE(r.json_text.empty()) << r.err;
  ASSERT_TRUE(r.result("selftest.pin"));
  // Two cards are in, so diagnose without a reader refuses to guess; --slot is selftest's.
  EXPECT_EQ((*r.result("selftest.pin"))["code"], "P11-MULTIPLE-TOKENS");
  EXPECT_EQ((*r.result("pkcs11.tokens"))["status"], "pass");
}

}  // namespace

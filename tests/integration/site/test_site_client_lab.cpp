// The site client on the lab: `certwiz apply --load --submit`, approval, `certwiz bind`
// and `certwiz login-test` end to end against a reference site of the suite's own
// (certwiz-site with a fresh database, the lab's PKI and revocation services), the
// citizen card bound through the responsible person's ID, both signing paths, the
// component not trusting the site, the final-try refusal, the PIN never reaching the
// site, and 50 concurrent logins through the client.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "checks/site/client.h"
#include "tests/lab/site/testkit/lab_cards.h"

using namespace certwiz;
using namespace certwiz::site;
namespace tk = certwiz::site_testkit;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kBusinessReader = "CertWiz Lab Reader A 00 01";
const char* kCitizenReader = "CertWiz Lab Reader A 00 00";

std::string lab(const char* name) { return tk::lab_env(name); }
std::string pin() { return tk::lab_card("business")["pin"].get<std::string>(); }
std::string certwiz_bin() { return lab("CERTWIZ_BUILD_DIR") + "/bin/certwiz"; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Proc {
  int rc = -1;
  std::string out, err;
};
// Runs argv with `input` on standard input; stdout and stderr captured apart.
Proc run(const std::vector<std::string>& argv, const std::string& input, const std::string& dir) {
  const std::string in = dir + "/stdin", out = dir + "/stdout", err = dir + "/stderr";
  {
    std::ofstream(in, std::ios::trunc) << input;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int i = open(in.c_str(), O_RDONLY), o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600),
        e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(i, 0);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Proc r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(in);  // it held the PIN
  return r;
}

// The cardsim's PIN state of a card (<state>/cardsim/<card>.json, under the module's flock).
json card_state(const std::string& card) {
  const std::string d = lab("CERTWIZ_LAB_DIR") + "/cardsim";
  int fd = open((d + "/" + card + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  flock(fd, LOCK_EX);
  json j = json::parse(slurp(d + "/" + card + ".json"), nullptr, false);
  close(fd);
  return j.is_object() ? j : json{{"tries_left", 3}, {"logins", 0}};
}
void set_tries_left(const std::string& card, int tries) {
  const std::string d = lab("CERTWIZ_LAB_DIR") + "/cardsim";
  fs::create_directories(d);
  int fd = open((d + "/" + card + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  flock(fd, LOCK_EX);
  json j = json::parse(slurp(d + "/" + card + ".json"), nullptr, false);
  if (!j.is_object()) j = json{{"max_tries", 3}, {"logins", 0}, {"pin_verifications", 0}};
  j["tries_left"] = tries;
  j["locked"] = tries == 0;
  std::ofstream(d + "/" + card + ".json.tmp", std::ios::trunc) << j.dump(2) << "\n";
  fs::rename(d + "/" + card + ".json.tmp", d + "/" + card + ".json");
  close(fd);
}

// POST /sign requests the lab's component stand-in has received (its request log).
size_t sign_requests() {
  std::istringstream log(slurp(lab("CERTWIZ_LAB_DIR") + "/logs/localsign-requests.jsonl"));
  size_t n = 0;
  for (std::string line; std::getline(log, line);) {
    json e = json::parse(line, nullptr, false);
    if (e.is_object() && e.value("path", "") == "/sign") ++n;
  }
  return n;
}

// A user with no PKCS#11 module configured: no --module, no CERTWIZ_PKCS11_MODULE, and a
// home of their own (whatever it holds is all discovery finds besides the system's).
std::vector<std::string> as_user_without_module(const std::string& home, std::vector<std::string> argv) {
  fs::create_directories(home + "/data");
  fs::create_directories(home + "/config");
  std::vector<std::string> out = {"/usr/bin/env", "-u", "CERTWIZ_PKCS11_MODULE", "HOME=" + home,
                                  "XDG_DATA_HOME=" + home + "/data", "XDG_CONFIG_HOME=" + home + "/config"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

class SiteClientLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = lab("CERTWIZ_LAB_DIR") + "/site-client-tests/" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    site_ = std::make_unique<tk::SiteProcess>(dir_ + "/site");
    // The site as a site profile, the way CERTWIZ_LAB_SITE_PROFILE describes the lab's own.
    json p = json::parse(slurp(lab("CERTWIZ_LAB_SITE_PROFILE")));
    p["base_url"] = "https://127.0.0.1:" + std::to_string(site_->port());
    profile_path_ = dir_ + "/profile.json";
    std::ofstream(profile_path_) << p.dump(2);
    auto loaded = load_site_profile(profile_path_);
    ASSERT_TRUE(loaded) << loaded.error().detail;
    profile_ = *loaded;
  }
  static void TearDownTestSuite() { site_.reset(); }

  static SiteClientOptions options() {
    SiteClientOptions o;
    o.proxy = "direct";
    return o;
  }
  static std::shared_ptr<const Secret> the_pin() { return std::make_shared<Secret>(pin()); }
  static std::unique_ptr<CardSigner> card(const char* reader) {
    CardSignerOptions o;
    o.module = lab("CERTWIZ_PKCS11_MODULE");
    o.reader = reader;
    return std::make_unique<CardSigner>(o, the_pin());
  }
  static std::unique_ptr<LocalSignSigner> component(const char* reader) {
    LocalSignSignerOptions o;
    o.url = lab("CERTWIZ_LAB_LOCALSIGN_URL");
    o.origin = profile_.base_url;
    o.slot_description = reader;
    o.pin_state_module = lab("CERTWIZ_PKCS11_MODULE");
    o.pin_state_reader = reader;
    return std::make_unique<LocalSignSigner>(o, the_pin());
  }
  // The lab company's account (apply through the CLI with 載入, approve): made once.
  static void ensure_account() {
    if (!code_.empty()) return;
    json form = tk::lab_company_form("83124560", tk::identity("citizen")["national_id"].get<std::string>(), "enable",
                                     "enable");
    // 載入 fills these from the site's registry.
    form["company_name"] = "";
    form["owner_name"] = "";
    form["reg_address"] = {{"county", ""}, {"district", ""}, {"street", ""}};
    control_no_ = form["control_no"].get<std::string>();
    std::ofstream(dir_ + "/form.json") << form.dump(2);
    Proc a = run({certwiz_bin(), "apply", "--form", dir_ + "/form.json", "--load", "--submit", "--site", profile_path_,
                 "--lang", "en"},
                "", dir_);
    ASSERT_EQ(a.rc, 0) << a.out << a.err;
    EXPECT_NE(a.out.find("Loaded: company_name filled"), std::string::npos) << a.out;
    EXPECT_NE(a.out.find("Loaded: reg_address filled"), std::string::npos) << a.out;
    const auto at = a.out.find("APP-");
    ASSERT_NE(at, std::string::npos) << a.out;
    application_ = a.out.substr(at, 10);
    code_ = site_->approve(application_);
    ASSERT_EQ(code_.size(), 8u);
  }
  void bind_business_once() {
    ensure_account();
    if (business_bound_) return;
    auto signer = card(kBusinessReader);
    SiteClient client(profile_, options());
    auto b = bind_with(client, *signer, {"83124560", control_no_, code_, LoginType::business});
    ASSERT_TRUE(b) << b.error().code << " " << b.error().detail;
    business_bound_ = true;
  }

  static inline std::string dir_, profile_path_, application_, code_, control_no_;
  static inline SiteProfile profile_;
  static inline std::unique_ptr<tk::SiteProcess> site_;
  static inline bool business_bound_ = false;
};

}  // namespace

// lookup (載入) → apply --submit → approve → bind (business card, both paths) → login → logout,
// all through the CLI as a user runs it.
TEST_F(SiteClientLab, FullFlowThroughTheCli) {
  ensure_account();
  Proc b = run({certwiz_bin(), "bind", "--ubn", "83124560", "--control-no", control_no_, "--verification-code", code_,
               "--type", "business", "--path", "both", "--slot", kBusinessReader, "--site", profile_path_, "--pin-stdin",
               "--json", "-"},
              pin() + "\n", dir_);
  ASSERT_EQ(b.rc, 0) << b.out << b.err;
  json j = json::parse(b.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  ASSERT_EQ(j["paths"].size(), 2u);
  for (const auto& p : j["paths"]) {
    EXPECT_TRUE(p["ok"].get<bool>()) << p.dump();
    EXPECT_EQ(p["login_type"], "business");
    EXPECT_EQ(p["certificate"]["serial"].get<std::string>().size() > 0, true);
  }
  business_bound_ = true;

  Proc l = run({certwiz_bin(), "login-test", "--path", "both", "--slot", kBusinessReader, "--site", profile_path_,
               "--pin-stdin", "--json", "-"},
              pin() + "\n", dir_);
  ASSERT_EQ(l.rc, 0) << l.out << l.err;
  j = json::parse(l.out);
  for (const auto& p : j["paths"]) {
    EXPECT_TRUE(p["ok"].get<bool>()) << p.dump();
    EXPECT_EQ(p["account"]["ubn"], "83124560");
    EXPECT_TRUE(p["session_checked"].get<bool>());
    EXPECT_TRUE(p["logged_out"].get<bool>());
  }
  // Nothing the CLI printed carries the PIN.
  for (const Proc* p : {&b, &l})
    EXPECT_EQ((p->out + p->err).find(pin()), std::string::npos);
  // The human form says the same, in the chosen language.
  Proc h = run({certwiz_bin(), "login-test", "--path", "card", "--slot", kBusinessReader, "--site", profile_path_,
               "--pin-stdin", "--lang", "en"},
              pin() + "\n", dir_);
  EXPECT_EQ(h.rc, 0) << h.out << h.err;
  EXPECT_NE(h.out.find("every signing path works"), std::string::npos) << h.out;
}

// A citizen card is bound to the company's account through the responsible person's ID.
TEST_F(SiteClientLab, CitizenCardBoundThroughTheResponsiblePerson) {
  ensure_account();
  auto signer = card(kCitizenReader);
  SiteClient client(profile_, options());
  auto b = bind_with(client, *signer, {"83124560", control_no_, code_, LoginType::citizen});
  ASSERT_TRUE(b) << b.error().code << " " << b.error().detail;
  EXPECT_EQ(b->login_type, LoginType::citizen);
  SiteClient login(profile_, options());
  auto s = login_with(login, *signer);
  ASSERT_TRUE(s) << s.error().code << " " << s.error().detail;
  EXPECT_EQ(s->ubn, "83124560");
  EXPECT_EQ(s->login_type, LoginType::citizen);
  EXPECT_TRUE(login.logout());
  // The citizen card offered as the business login is the wrong kind.
  SiteClient wrong(profile_, options());
  auto k = bind_with(wrong, *signer, {"83124560", control_no_, code_, LoginType::business});
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, "SITE-CERT-KIND");
}

// Path (b) with the site removed from the component's trusted domains: the card path
// works, the browser path fails, and the verdict says so; then the site is put back.
TEST_F(SiteClientLab, ComponentNotTrustingTheSiteIsTheBrowserPathFailing) {
  bind_business_once();
  const std::string wl = lab("CERTWIZ_LAB_DIR") + "/localsign-whiteList.txt";
  const std::string original = slurp(wl);
  ASSERT_NE(original.find("127.0.0.1"), std::string::npos);
  std::string without;
  std::istringstream lines(original);
  for (std::string line; std::getline(lines, line);)
    if (line != "127.0.0.1") without += line + "\n";
  std::ofstream(wl, std::ios::trunc) << without;
  auto a = card(kBusinessReader);
  auto b = component(kBusinessReader);
  PathsReport report = login_paths(profile_, options(), {a.get(), b.get()});
  std::ofstream(wl, std::ios::trunc) << original;  // put it back before asserting
  ASSERT_TRUE(report.verdict);
  EXPECT_EQ(report.verdict->code, "SITE-BROWSER-PATH-FAILS") << report.verdict->detail;
  EXPECT_TRUE(report.paths[0].ok);
  ASSERT_TRUE(report.paths[1].error);
  EXPECT_EQ(report.paths[1].error->code, "LOCALSIGN-SITE-NOT-TRUSTED");
  EXPECT_EQ(b->last_ret_code(), 0x7600000Fu);

  // Trusted again: both paths work.
  auto b2 = component(kBusinessReader);
  PathsReport again = login_paths(profile_, options(), {a.get(), b2.get()});
  EXPECT_TRUE(again.ok()) << (again.verdict ? again.verdict->code + " " + again.verdict->detail : "");
}

// With one PIN try left and no confirmation, neither path sends the PIN anywhere.
TEST_F(SiteClientLab, FinalTryIsRefusedOnBothPaths) {
  bind_business_once();
  const long logins_before = card_state("business").value("logins", 0L);
  set_tries_left("business", 1);
  const size_t signs_before = sign_requests();
  Proc r = run({certwiz_bin(), "login-test", "--path", "both", "--slot", kBusinessReader, "--site", profile_path_,
               "--pin-stdin", "--json", "-"},
              pin() + "\n", dir_);
  const json state = card_state("business");
  EXPECT_EQ(sign_requests(), signs_before) << "nothing reached the component's /sign";
  // Give the card its tries back (the lab's own command) before asserting.
  Proc reset = run({"/bin/sh", "-c", "exec \"$0\" card reset business", std::string(CERTWIZ_SOURCE_DIR) + "/tests/lab/lab"}, "",
                  dir_);
  EXPECT_EQ(reset.rc, 0) << reset.err;
  if (reset.rc != 0) set_tries_left("business", 3);
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  ASSERT_EQ(j["paths"].size(), 2u);
  EXPECT_EQ(j["paths"][0]["error"]["code"], "P11-PIN-FINAL-TRY-REFUSED");
  EXPECT_EQ(j["paths"][1]["error"]["code"], "P11-PIN-FINAL-TRY-REFUSED");
  EXPECT_EQ(state.value("tries_left", -1), 1);
  EXPECT_EQ(state.value("logins", -1L), logins_before);  // no C_Login from CertWiz nor the component
  EXPECT_EQ(card_state("business").value("tries_left", -1), 3);
}

// Issue 13's case: no PKCS#11 module anywhere (nothing configured, nothing discovered, and
// no registered module is the one the component loaded), the card at its last try,
// `login-test` on its default path (both). The component would spend the try blind, so
// it gets no request; only with the user's confirmation does the PIN go, exactly once.
TEST_F(SiteClientLab, NoModuleAnywhereThePinNeverGoesBlind) {
  bind_business_once();
  const std::string home = dir_ + "/no-module-home";
  const std::vector<std::string> cmd = {certwiz_bin(), "login-test", "--slot", kBusinessReader, "--site", profile_path_,
                                        "--pin-stdin", "--json", "-"};
  set_tries_left("business", 1);
  const long logins_before = card_state("business").value("logins", 0L);
  const size_t signs_before = sign_requests();
  Proc refused = run(as_user_without_module(home, cmd), pin() + "\n", dir_);
  const size_t signs_refused = sign_requests();
  const json state = card_state("business");
  std::vector<std::string> confirmed_cmd = cmd;
  confirmed_cmd.push_back("--confirm-final-try");
  Proc confirmed = run(as_user_without_module(home, confirmed_cmd), pin() + "\n", dir_);
  const size_t signs_confirmed = sign_requests();
  Proc reset = run({"/bin/sh", "-c", "exec \"$0\" card reset business", std::string(CERTWIZ_SOURCE_DIR) + "/tests/lab/lab"}, "",
                  dir_);
  if (reset.rc != 0) set_tries_left("business", 3);

  json j = json::parse(refused.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << refused.out << refused.err;
  ASSERT_EQ(j["paths"].size(), 2u);
  EXPECT_EQ(j["paths"][0]["error"]["code"], "P11-NO-MODULE");
  EXPECT_EQ(j["paths"][1]["error"]["code"], "SITE-PIN-STATE-UNKNOWN") << j["paths"][1].dump();
  EXPECT_FALSE(j["paths"][1]["error"]["remedy"]["zh_TW"].get<std::string>().empty());
  EXPECT_EQ(refused.rc, 2);
  EXPECT_EQ(signs_refused, signs_before) << "the component received /sign without the card's retry state";
  EXPECT_EQ(state.value("tries_left", -1), 1);
  EXPECT_EQ(state.value("logins", -1L), logins_before);

  j = json::parse(confirmed.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << confirmed.out << confirmed.err;
  ASSERT_EQ(j["paths"].size(), 2u);
  EXPECT_TRUE(j["paths"][1]["ok"].get<bool>()) << j["paths"][1].dump();
  EXPECT_EQ(signs_confirmed, signs_refused + 1) << "confirmed: exactly one request to /sign";
  for (const Proc* p : {&refused, &confirmed}) EXPECT_EQ((p->out + p->err).find(pin()), std::string::npos);
}

// The retry state comes from the module discovery finds, not only from a flag or the
// environment: a HiCOS-named module in the user's HiCOS folder, and a p11-kit
// registration of the module the component itself reports loading. Either way the final
// try is refused before anything reaches the component.
TEST_F(SiteClientLab, TheRetryStateIsReadThroughTheDiscoveredModule) {
  bind_business_once();
  const std::string vendor_home = dir_ + "/vendor-home", p11kit_home = dir_ + "/p11kit-home";
  const std::vector<std::string> cmd = {certwiz_bin(), "login-test", "--path", "localsign", "--slot", kBusinessReader,
                                        "--site", profile_path_, "--pin-stdin", "--json", "-"};
  auto vendor = as_user_without_module(vendor_home, cmd);
  fs::create_directories(vendor_home + "/data/certwiz/hicos/lib");
  fs::create_symlink(lab("CERTWIZ_PKCS11_MODULE"), vendor_home + "/data/certwiz/hicos/lib/libHicos_p11v1.so");
  auto registered = as_user_without_module(p11kit_home, cmd);
  fs::create_directories(p11kit_home + "/config/pkcs11/modules");
  std::ofstream(p11kit_home + "/config/pkcs11/modules/lab-card.module") << "module: " << lab("CERTWIZ_PKCS11_MODULE") << "\n";

  set_tries_left("business", 1);
  const size_t signs_before = sign_requests();
  Proc a = run(vendor, pin() + "\n", dir_);
  Proc b = run(registered, pin() + "\n", dir_);
  const size_t signs_after = sign_requests();
  Proc reset = run({"/bin/sh", "-c", "exec \"$0\" card reset business", std::string(CERTWIZ_SOURCE_DIR) + "/tests/lab/lab"}, "",
                  dir_);
  if (reset.rc != 0) set_tries_left("business", 3);
  for (const Proc* p : {&a, &b}) {
    json j = json::parse(p->out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << p->out << p->err;
    ASSERT_EQ(j["paths"].size(), 1u);
    EXPECT_EQ(j["paths"][0]["error"]["code"], "P11-PIN-FINAL-TRY-REFUSED") << j["paths"][0].dump();
  }
  EXPECT_EQ(signs_after, signs_before);
}

// Everything the site stored or logged after the flows: no PIN in it.
TEST_F(SiteClientLab, ThePinNeverReachesTheSite) {
  bind_business_once();
  // One more run of each path, so the site has seen both.
  auto a = card(kBusinessReader);
  auto b = component(kBusinessReader);
  PathsReport report = login_paths(profile_, options(), {a.get(), b.get()});
  ASSERT_TRUE(report.ok()) << report.verdict->code << " " << report.verdict->detail;
  std::string everything;
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/site"))
    if (e.is_regular_file()) everything += slurp(e.path().string());
  ASSERT_FALSE(everything.empty());
  // The search can find things: the account's UBN is there.
  EXPECT_NE(everything.find("83124560"), std::string::npos);
  EXPECT_EQ(everything.find(pin()), std::string::npos);
}

// 50 logins at once from the lab's cards (business and citizen), each with its own
// client (cookies, challenge, session): all succeed.
TEST_F(SiteClientLab, FiftyConcurrentLogins) {
  bind_business_once();
  {
    auto c = card(kCitizenReader);
    SiteClient client(profile_, options());
    auto b = bind_with(client, *c, {"83124560", control_no_, code_, LoginType::citizen});
    ASSERT_TRUE(b) << b.error().code << " " << b.error().detail;
  }
  auto business = card(kBusinessReader);
  auto citizen = card(kCitizenReader);
  std::atomic<int> ok{0};
  std::vector<std::string> failures(50);
  std::vector<std::thread> threads;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      SiteClient client(profile_, options());
      ChallengeSigner& signer = i % 2 ? static_cast<ChallengeSigner&>(*citizen) : *business;
      auto s = login_with(client, signer);
      if (!s) {
        failures[i] = s.error().code + " " + s.error().detail;
        return;
      }
      auto who = client.session();
      if (!who || who->ubn != "83124560") {
        failures[i] = "session: " + (who ? who->ubn : who.error().code);
        return;
      }
      if (!client.logout()) {
        failures[i] = "logout";
        return;
      }
      ++ok;
    });
  }
  for (auto& t : threads) t.join();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(failures[i].empty()) << "login " << i << ": " << failures[i];
  EXPECT_EQ(ok.load(), 50);
  std::printf("50 concurrent logins through the client: %.0f ms\n", ms);
}

// The application process as a user lives it over days, through the CLI on the lab, with a
// reference site of the test's own (fresh database) and a data folder of its own
// (XDG_DATA_HOME): apply → the site says pending → staff reject (unreadable attachment) →
// the corrected form is sent again under the same number → staff approve → a NEW certwiz
// process resumes from the saved progress and leads to binding → bind → login. Then the
// renewal: the company's card is renewed (the lab's renewed-business card: same UBN, new
// certificate), its login is refused with SITE-CERT-RENEWED, staff issue a new code, the
// new card is re-bound and logs in, and the old card is refused (SITE-CERT-REPLACED).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/lab/site/testkit/lab_cards.h"

#include "tests/unit/attach/attach_fixtures.h"

namespace tk = certwiz::site_testkit;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kUbn = "83124560";  // the lab company (identities.json: business)
constexpr const char* kBusinessReader = "CertWiz Lab Reader A 00 01";
constexpr const char* kRenewedReader = "CertWiz Lab Reader D 00 01";  // topology.py: renewed-business

std::string lab(const char* name) { return tk::lab_env(name); }
std::string certwiz_bin() { return lab("CERTWIZ_BUILD_DIR") + "/bin/certwiz"; }
std::string pin() { return tk::lab_card("business")["pin"].get<std::string>(); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int lab_cmd(const std::string& args) {
  const std::string cmd = std::string(CERTWIZ_LAB_SCRIPT) + " " + args + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

struct Proc {
  int rc = -1;
  std::string out;
};

class ApplicationProcess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = lab("CERTWIZ_LAB_DIR") + "/application-process-tests/" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    site_ = std::make_unique<tk::SiteProcess>(dir_ + "/site");
    json p = json::parse(slurp(lab("CERTWIZ_LAB_SITE_PROFILE")));
    p["base_url"] = "https://127.0.0.1:" + std::to_string(site_->port());
    profile_ = dir_ + "/profile.json";
    std::ofstream(profile_) << p.dump(2);
    data_home_ = dir_ + "/data";
  }
  static void TearDownTestSuite() { site_.reset(); }

  // certwiz as the user runs it: their own data folder, English messages, the PIN (when
  // given) on standard input only.
  static Proc certwiz(std::vector<std::string> args, const std::string& input = {}) {
    std::vector<std::string> argv = {"/usr/bin/env", "XDG_DATA_HOME=" + data_home_, certwiz_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string cmd;
    for (const auto& a : argv) cmd += "'" + a + "' ";
    const std::string in = dir_ + "/stdin";
    std::ofstream(in, std::ios::trunc) << input;
    cmd += "<'" + in + "' >'" + dir_ + "/out' 2>&1";
    const int rc = std::system(cmd.c_str());
    fs::remove(in);  // it may hold the PIN
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir_ + "/out")};
  }
  static Proc staff(std::vector<std::string> args) {
    std::vector<std::string> argv = {tk::site_binary(), "application", "--db", site_->db()};
    argv.insert(argv.end(), args.begin(), args.end());
    Proc p;
    p.rc = tk::run_command(argv, p.out);
    return p;
  }
  static std::string progress_file() { return data_home_ + "/certwiz/progress.json"; }

  static inline std::string dir_, profile_, data_home_, application_, control_no_, code_;
  static inline std::unique_ptr<tk::SiteProcess> site_;
  static inline bool bound_ = false;
};

}  // namespace

TEST_F(ApplicationProcess, ApplyWaitApproveResumeBindLogin) {
  json form = tk::lab_company_form(kUbn, tk::identity("citizen")["national_id"].get<std::string>(), "enable", "enable");
  const std::string password = form["password"].get<std::string>();
  control_no_ = form["control_no"].get<std::string>();
  std::ofstream(dir_ + "/form.json") << form.dump(2);

  // Day 1: the application is sent with its two scans (the stamped form, the registration
  // copy); the progress is saved (never the password).
  namespace at = certwiz::attach::testing;
  const std::string stamped = at::write_file(dir_, "stamped.pdf", at::make_pdf(1));
  const std::string registration = at::write_file(dir_, "registration.jpg", at::make_jpeg(1654, 2339));
  Proc a = certwiz({"apply", "--form", dir_ + "/form.json", "--attach", stamped, "--attach", registration, "--submit",
                    "--site", profile_, "--lang", "en"});
  ASSERT_EQ(a.rc, 0) << a.out;
  const auto app_at = a.out.find("APP-");
  ASSERT_NE(app_at, std::string::npos) << a.out;
  application_ = a.out.substr(app_at, 10);
  {
    // The staff see both scans with the application.
    Proc list;
    list.rc = tk::run_command({tk::site_binary(), "attachments", "--db", site_->db(), application_}, list.out);
    ASSERT_EQ(list.rc, 0) << list.out;
    EXPECT_NE(list.out.find("stamped.pdf"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("registration.jpg"), std::string::npos) << list.out;
  }
  ASSERT_TRUE(fs::exists(progress_file())) << a.out;
  const std::string saved = slurp(progress_file());
  EXPECT_NE(saved.find(application_), std::string::npos) << saved;
  EXPECT_EQ(saved.find(password), std::string::npos) << "the password reached the disk";
  EXPECT_EQ(saved.find("password"), std::string::npos) << saved;
  EXPECT_EQ((fs::status(progress_file()).permissions() & (fs::perms::group_all | fs::perms::others_all)),
            fs::perms::none);

  // Day 2: still under review.
  Proc pending = certwiz({"apply", "--status", "--site", profile_, "--lang", "en"});
  EXPECT_EQ(pending.rc, 1) << pending.out;
  EXPECT_NE(pending.out.find("SITE-APPLICATION-PENDING"), std::string::npos) << pending.out;
  EXPECT_NE(pending.out.find(application_), std::string::npos) << pending.out;

  // Day 3: staff reject it (the scan cannot be read); the user learns why.
  Proc rejected = staff({application_, "--to", "rejected", "--reason", "attachment-unreadable", "--note",
                         "registration copy is blurred"});
  ASSERT_EQ(rejected.rc, 0) << rejected.out;
  Proc why = certwiz({"apply", "--status", "--site", profile_, "--lang", "en"});
  EXPECT_EQ(why.rc, 2) << why.out;
  EXPECT_NE(why.out.find("SITE-APPLICATION-REJECTED-UNREADABLE"), std::string::npos) << why.out;
  EXPECT_NE(why.out.find("registration copy is blurred"), std::string::npos) << why.out;

  // Sent again, corrected: the same number, under review again.
  Proc again = certwiz({"apply", "--form", dir_ + "/form.json", "--submit", "--site", profile_, "--lang", "en"});
  ASSERT_EQ(again.rc, 0) << again.out;
  EXPECT_NE(again.out.find(application_), std::string::npos) << again.out;
  EXPECT_EQ(certwiz({"apply", "--status", "--site", profile_, "--lang", "en"}).rc, 1);

  // Day 5: approved; the code goes to the user (here: staff's output stands for the mail).
  Proc approved = staff({application_, "--to", "approved"});
  ASSERT_EQ(approved.rc, 0) << approved.out;
  const auto code_at = approved.out.find("verification code: ");
  ASSERT_NE(code_at, std::string::npos) << approved.out;
  code_ = approved.out.substr(code_at + 19, 8);

  // A new process resumes from the saved progress alone (no --application, no --ubn) and
  // leads to the binding with what the user needs at hand.
  Proc resumed = certwiz({"apply", "--status", "--site", profile_, "--lang", "en"});
  ASSERT_EQ(resumed.rc, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("certwiz bind --ubn " + std::string(kUbn) + " --control-no " + control_no_),
            std::string::npos)
      << resumed.out;
  json progress = json::parse(slurp(progress_file()));
  EXPECT_EQ(progress["application"]["state"], "approved");
  EXPECT_NE(progress["steps_done"].dump().find("approved"), std::string::npos) << progress.dump();

  Proc bind = certwiz({"bind", "--ubn", kUbn, "--control-no", control_no_, "--verification-code", code_, "--type",
                       "business", "--path", "card", "--slot", kBusinessReader, "--site", profile_, "--pin-stdin",
                       "--lang", "en"},
                      pin() + "\n");
  ASSERT_EQ(bind.rc, 0) << bind.out;
  Proc login = certwiz({"login-test", "--path", "card", "--slot", kBusinessReader, "--site", profile_, "--pin-stdin",
                        "--lang", "en"},
                       pin() + "\n");
  ASSERT_EQ(login.rc, 0) << login.out;
  EXPECT_EQ((bind.out + login.out).find(pin()), std::string::npos);
  const std::string steps = json::parse(slurp(progress_file()))["steps_done"].dump();
  EXPECT_EQ(steps, R"(["form_filled","submitted","approved","bound","login_tested"])");
  bound_ = true;
}

TEST_F(ApplicationProcess, RenewedCardIsToldToRebindAndReplacesTheOldOne) {
  ASSERT_TRUE(bound_) << "needs the business card bound by the test before";
  // The renewed card: same company and UBN, another certificate.
  EXPECT_EQ(tk::identity("renewed-business")["ubn"], kUbn);
  EXPECT_NE(tk::lab_card("renewed-business")["sign_serial"], tk::lab_card("business")["sign_serial"]);
  ASSERT_EQ(lab_cmd("card insert renewed-business"), 0);
  struct Remove {
    ~Remove() { lab_cmd("card remove renewed-business"); }
  } remove_after;

  Proc refused = certwiz({"login-test", "--path", "card", "--slot", kRenewedReader, "--site", profile_, "--pin-stdin",
                          "--lang", "en"},
                         pin() + "\n");
  EXPECT_EQ(refused.rc, 2) << refused.out;
  EXPECT_NE(refused.out.find("SITE-CERT-RENEWED"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("new verification code"), std::string::npos) << refused.out;

  // A renewed card needs a new code: staff approve the application again.
  Proc reissued = staff({application_, "--to", "approved"});
  ASSERT_EQ(reissued.rc, 0) << reissued.out;
  const std::string code = reissued.out.substr(reissued.out.find("verification code: ") + 19, 8);
  ASSERT_NE(code, code_);
  Proc rebind = certwiz({"bind", "--ubn", kUbn, "--control-no", control_no_, "--verification-code", code, "--type",
                         "business", "--path", "card", "--slot", kRenewedReader, "--site", profile_, "--pin-stdin",
                         "--lang", "en"},
                        pin() + "\n");
  ASSERT_EQ(rebind.rc, 0) << rebind.out;
  Proc works = certwiz({"login-test", "--path", "card", "--slot", kRenewedReader, "--site", profile_, "--pin-stdin",
                        "--lang", "en"},
                       pin() + "\n");
  EXPECT_EQ(works.rc, 0) << works.out;

  // The old card stops working, with its own answer.
  Proc old = certwiz({"login-test", "--path", "card", "--slot", kBusinessReader, "--site", profile_, "--pin-stdin",
                      "--lang", "en"},
                     pin() + "\n");
  EXPECT_EQ(old.rc, 2) << old.out;
  EXPECT_NE(old.out.find("SITE-CERT-REPLACED"), std::string::npos) << old.out;
}

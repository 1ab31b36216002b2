// The saved progress of the application process (checks/progress): what is kept, what is
// never kept (the password), and what happens to a file that is not ours to read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checks/progress/data_dir.h"
#include "checks/progress/progress.h"

using namespace certwiz;
using namespace certwiz::progress;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPlantedPassword = "Pl4nted#Secret!9";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ProgressFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("certwiz-progress-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    path_ = (dir_ / "certwiz" / "progress.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static Progress sample() {
    Progress p;
    p.site = "https://127.0.0.1:8443";
    p.page = "binding";
    p.form.ubn = "83124560";
    p.form.control_no = "L5600123";
    p.form.password = Secret(kPlantedPassword);
    p.form.company_name = "綠源環保科技股份有限公司";
    p.form.owner_id = "F131058274";
    p.form.reg_address = {"臺中市", "西屯區", "臺灣大道三段99號8樓", "407"};
    p.form.fax = "04-2359-5678";
    p.form.business_cert_login = "enable";
    p.application_id = "APP-000042";
    p.application_state = "pending";
    p.mark_done(Step::submitted);
    p.mark_done(Step::form_filled);
    p.mark_done(Step::submitted);
    return p;
  }
  std::vector<fs::path> set_aside_files() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(fs::path(path_).parent_path()))
      if (e.path().filename().string().starts_with("progress.json.unreadable-")) out.push_back(e.path());
    return out;
  }

  fs::path dir_;
  std::string path_;
};

}  // namespace

TEST_F(ProgressFile, RoundTripKeepsFormReferenceAndSteps) {
  Progress p = sample();
  ASSERT_FALSE(save_progress(path_, p));
  EXPECT_FALSE(p.saved_at.empty());
  auto loaded = load_progress(path_);
  ASSERT_FALSE(loaded.problem);
  ASSERT_TRUE(loaded.progress);
  const Progress& q = *loaded.progress;
  EXPECT_EQ(q.site, p.site);
  EXPECT_EQ(q.page, "binding");
  EXPECT_EQ(q.form.ubn, "83124560");
  EXPECT_EQ(q.form.company_name, "綠源環保科技股份有限公司");
  EXPECT_EQ(q.form.reg_address.district, "西屯區");
  EXPECT_EQ(q.form.reg_address.zip, "407");
  EXPECT_EQ(q.form.fax, "04-2359-5678");
  EXPECT_EQ(q.application_id, "APP-000042");
  EXPECT_EQ(q.application_state, "pending");
  ASSERT_EQ(q.steps_done.size(), 2u);  // no duplicates, in order
  EXPECT_EQ(q.steps_done[0], Step::form_filled);
  EXPECT_EQ(q.steps_done[1], Step::submitted);
  EXPECT_FALSE(q.done(Step::approved));
  EXPECT_TRUE(q.form.password.empty());
}

TEST_F(ProgressFile, ThePasswordNeverReachesTheDisk) {
  Progress p = sample();
  ASSERT_FALSE(p.form.password.empty());
  ASSERT_FALSE(save_progress(path_, p));
  const std::string text = slurp(path_);
  EXPECT_EQ(text.find(kPlantedPassword), std::string::npos);
  EXPECT_EQ(text.find("password"), std::string::npos) << text;
  // Nothing else was left in the folder (no temporary holding anything).
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(fs::path(path_).parent_path())) ++files;
  EXPECT_EQ(files, 1u);
  // Personal data: the owner's alone.
  EXPECT_EQ(fs::status(path_).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
}

TEST_F(ProgressFile, APlantedPasswordInTheFileIsNotLoaded) {
  Progress p = sample();
  std::string text = progress_json(p);
  const std::string key = "\"form\": {";
  ASSERT_NE(text.find(key), std::string::npos);
  text.insert(text.find(key) + key.size(), std::string("\n    \"password\": \"") + kPlantedPassword + "\",");
  auto parsed = parse_progress(text);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_TRUE(parsed->form.password.empty());
  EXPECT_EQ(parsed->form.ubn, "83124560");
  // Saved again, the planted password is gone.
  ASSERT_FALSE(save_progress(path_, *parsed));
  EXPECT_EQ(slurp(path_).find(kPlantedPassword), std::string::npos);
}

TEST_F(ProgressFile, MissingFileIsNoProblem) {
  auto loaded = load_progress(path_);
  EXPECT_FALSE(loaded.progress);
  EXPECT_FALSE(loaded.problem);
}

TEST_F(ProgressFile, CorruptFileIsSetAsideNotLost) {
  fs::create_directories(fs::path(path_).parent_path());
  const std::string junk = "{\"format\": \"certwiz-progress\", \"version\": 1, \"form\": {\"ubn\": \"8312";
  std::ofstream(path_, std::ios::binary) << junk;
  auto loaded = load_progress(path_);
  EXPECT_FALSE(loaded.progress);
  ASSERT_TRUE(loaded.problem);
  EXPECT_EQ(loaded.problem->code, "PROGRESS-CORRUPT");
  EXPECT_FALSE(fs::exists(path_));
  auto aside = set_aside_files();
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_EQ(aside[0].string(), loaded.set_aside);
  EXPECT_EQ(slurp(aside[0]), junk);  // byte for byte
  // A new save starts afresh beside it.
  Progress p = sample();
  ASSERT_FALSE(save_progress(path_, p));
  EXPECT_TRUE(load_progress(path_).progress);
  EXPECT_EQ(slurp(aside[0]), junk);
}

TEST_F(ProgressFile, ForeignAndNewerFilesAreSetAside) {
  fs::create_directories(fs::path(path_).parent_path());
  for (const std::string& text : {std::string(R"({"format": "someone-else", "version": 1})"),
                                 std::string(R"({"format": "certwiz-progress", "version": 2, "form": {}})"),
                                 std::string(R"(["certwiz-progress"])"), std::string("\xff\xfe\x00garbage", 10)}) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << text;
    auto loaded = load_progress(path_);
    EXPECT_FALSE(loaded.progress) << text;
    ASSERT_TRUE(loaded.problem) << text;
    EXPECT_TRUE(loaded.problem->code == "PROGRESS-FOREIGN" || loaded.problem->code == "PROGRESS-CORRUPT") << text;
    EXPECT_FALSE(fs::exists(path_));
    EXPECT_EQ(slurp(loaded.set_aside), text);
    fs::remove(loaded.set_aside);
  }
  // The newer format is told apart from junk: another CertWiz wrote it.
  std::ofstream(path_, std::ios::trunc) << R"({"format": "certwiz-progress", "version": 2})";
  EXPECT_EQ(load_progress(path_).problem->code, "PROGRESS-FOREIGN");
}

TEST_F(ProgressFile, WrongTypesAreCorruptNotACrash) {
  for (const char* text : {R"({"format":"certwiz-progress","version":1,"steps_done":"bound"})",
                           R"({"format":"certwiz-progress","version":1,"steps_done":["flying"]})",
                           R"({"format":"certwiz-progress","version":1,"application":[]})",
                           R"({"format":"certwiz-progress","version":1,"form":"x"})",
                           R"({"format":"certwiz-progress","version":"1"})"}) {
    auto p = parse_progress(text);
    ASSERT_FALSE(p) << text;
    EXPECT_EQ(p.error().code, "PROGRESS-CORRUPT") << text;
  }
  // Fields of the wrong type inside the form are skipped, the rest kept.
  auto p = parse_progress(R"({"format":"certwiz-progress","version":1,"form":{"ubn":83124560,"fax":"04-2359-5678"}})");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->form.ubn.empty());
  EXPECT_EQ(p->form.fax, "04-2359-5678");
}

TEST_F(ProgressFile, SaveFailsWithACodeWhenTheFolderCannotBeMade) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "certwiz") << "a file where the folder should be";
  Progress p = sample();
  auto err = save_progress(path_, p);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "PROGRESS-SAVE-FAILED");
}

TEST(ProgressDataDir, FollowsXdgDataHomeThenHome) {
  const char* old_xdg = std::getenv("XDG_DATA_HOME");
  const char* old_home = std::getenv("HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "", saved_home = old_home ? old_home : "";
  setenv("XDG_DATA_HOME", "/tmp/xdg-data", 1);
  EXPECT_EQ(user_data_dir().value_or(""), "/tmp/xdg-data/certwiz");
  auto in_xdg = default_progress_path();
  ASSERT_TRUE(in_xdg);
  EXPECT_EQ(*in_xdg, "/tmp/xdg-data/certwiz/progress.json");
  setenv("XDG_DATA_HOME", "relative/ignored", 1);  // the specification ignores relative paths
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(user_data_dir().value_or(""), "/home/someone/.local/share/certwiz");
  unsetenv("XDG_DATA_HOME");
  unsetenv("HOME");
  EXPECT_FALSE(user_data_dir());
  auto path = default_progress_path();
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().code, "PROGRESS-NO-DATA-DIR");
  if (old_xdg) setenv("XDG_DATA_HOME", saved_xdg.c_str(), 1);
  if (old_home) setenv("HOME", saved_home.c_str(), 1);
}

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "checks/core/options.h"

using namespace certwiz;

namespace {

using Vars = std::map<std::string, std::optional<std::string>>;

// Sets the variables the options read (unset for nullopt) and puts them back afterwards.
class Env {
 public:
  explicit Env(const Vars& vars) {
    for (const char* name : kNames) {
      const char* v = std::getenv(name);
      saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
      ::unsetenv(name);
    }
    for (const auto& [name, value] : vars)
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
  }
  ~Env() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }

 private:
  static constexpr const char* kNames[] = {"LC_ALL", "LC_MESSAGES", "LANG", "CERTWIZ_PKCS11_MODULE",
                                            "CERTWIZ_LOCALSIGN_URL"};
  std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace

TEST(RunOptionsFromEnvironment, NothingSetMeansTraditionalChineseAndTheDefaults) {
  Env env(Vars{});
  const RunOptions o = RunOptions::from_environment();
  EXPECT_EQ(o.lang, Lang::zh_TW);
  EXPECT_EQ(o.pkcs11_module, "");
  EXPECT_EQ(o.local_sign_url, RunOptions{}.local_sign_url);
}

TEST(RunOptionsFromEnvironment, LcAllOverLcMessagesOverLang) {
  {
    Env env(Vars{{"LANG", "en_US.UTF-8"}});
    EXPECT_EQ(RunOptions::lang_from_environment(), Lang::en);
  }
  {
    Env env(Vars{{"LANG", "zh_TW.UTF-8"}, {"LC_MESSAGES", "en_GB.UTF-8"}});
    EXPECT_EQ(RunOptions::lang_from_environment(), Lang::en);
  }
  {
    Env env(Vars{{"LANG", "en_US.UTF-8"}, {"LC_MESSAGES", "en_US.UTF-8"}, {"LC_ALL", "zh_TW.UTF-8"}});
    EXPECT_EQ(RunOptions::lang_from_environment(), Lang::zh_TW);
  }
  {
    Env env(Vars{{"LANG", "zh_TW.UTF-8"}, {"LC_ALL", ""}, {"LC_MESSAGES", "en_US.UTF-8"}});  // empty is unset
    EXPECT_EQ(RunOptions::lang_from_environment(), Lang::en);
  }
}

TEST(RunOptionsFromEnvironment, TheCLocaleNamesNoLanguageAndIsNotSkipped) {
  // LC_ALL decides, as POSIX says, also when it names no language: zh_TW, not LANG's en.
  for (const char* c : {"C", "POSIX", "C.UTF-8"}) {
    SCOPED_TRACE(c);
    Env env(Vars{{"LC_ALL", c}, {"LANG", "en_US.UTF-8"}});
    EXPECT_EQ(RunOptions::lang_from_environment(), Lang::zh_TW);
  }
  Env env(Vars{{"LANG", "de_DE.UTF-8"}});
  EXPECT_EQ(RunOptions::lang_from_environment(), Lang::zh_TW);
}

TEST(RunOptionsFromEnvironment, ModuleAndLocalSigningComponentFromTheEnvironment) {
  Env env(Vars{{"CERTWIZ_PKCS11_MODULE", "/opt/hicos/libHicos_p11v1.so"}, {"CERTWIZ_LOCALSIGN_URL", "http://127.0.0.1:7777"}});
  const RunOptions o = RunOptions::from_environment();
  EXPECT_EQ(o.pkcs11_module, "/opt/hicos/libHicos_p11v1.so");
  EXPECT_EQ(o.local_sign_url, "http://127.0.0.1:7777");
}

TEST(RunOptionsFromEnvironment, AnEmptyUrlKeepsTheDefault) {
  Env env(Vars{{"CERTWIZ_LOCALSIGN_URL", ""}});
  EXPECT_EQ(RunOptions::from_environment().local_sign_url, RunOptions{}.local_sign_url);
}

// Finding helper programs (modutil, certutil, the vendor's tools) on PATH: an empty or
// relative PATH element must never make CertWiz run a program from the current folder.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "installer/process.h"
#include "tests/unit/installer/archive_builder.h"

using namespace certwiz::installer;
using namespace certwiz::installer::testing;
namespace fs = std::filesystem;

namespace {

// Runs the test body in `dir` with PATH set to `path`, restoring both afterwards.
class InFolderWithPath {
 public:
  InFolderWithPath(const std::string& dir, const std::string& path) : old_cwd_(fs::current_path()) {
    if (const char* p = std::getenv("PATH")) old_path_ = p;
    fs::current_path(dir);
    setenv("PATH", path.c_str(), 1);
  }
  ~InFolderWithPath() {
    fs::current_path(old_cwd_);
    setenv("PATH", old_path_.c_str(), 1);
  }

 private:
  fs::path old_cwd_;
  std::string old_path_;
};

class HelperOnPath : public ::testing::Test {
 protected:
  TempDir tmp;
  const std::string name = "certwiz-test-helper";
  void SetUp() override {
    // A planted "helper" in the folder CertWiz is started from, and a real one in bin/.
    write_file(tmp / name, "#!/bin/sh\necho planted\n", 0755);
    fs::create_directories(tmp / "bin");
    write_file(tmp / ("bin/" + name), "#!/bin/sh\necho real\n", 0755);
  }
};

}  // namespace

TEST_F(HelperOnPath, EmptyPathElementIsNotTheCurrentFolder) {
  for (const std::string& path : {std::string(":/usr/bin"), std::string("/usr/bin:"), std::string("/usr/bin::/bin"),
                                 std::string("")}) {
    InFolderWithPath in(tmp.path(), path);
    EXPECT_EQ(find_program(name), "") << "PATH='" << path << "' found the planted helper";
    const ProcessResult r = run_process({name});
    EXPECT_FALSE(r.started) << "PATH='" << path << "' ran: " << r.output;
    EXPECT_NE(r.output, "planted\n");
  }
}

TEST_F(HelperOnPath, RelativePathElementIsSkipped) {
  InFolderWithPath in(tmp.path(), ".:bin:/usr/bin");
  EXPECT_EQ(find_program(name), "");
  EXPECT_FALSE(run_process({name}).started);
}

TEST_F(HelperOnPath, AbsoluteElementsAreSearchedInOrder) {
  InFolderWithPath in(tmp.path(), "::" + (tmp / "bin") + ":/usr/bin");
  EXPECT_EQ(find_program(name), tmp / ("bin/" + name));
  const ProcessResult r = run_process({name});
  EXPECT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.output, "real\n");
  // A name with a slash is taken as given.
  EXPECT_EQ(find_program("./" + name), "./" + name);
}

// Report files: writing, the ZIP bundle, reading reports back (and refusing what is
// not one), and the digest's choice of the next step.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>

#include "checks/report/bundle.h"
#include "checks/report/digest.h"
#include "checks/report/display_width.h"
#include "checks/report/files.h"
#include "checks/report/replace_file.h"
#include "tests/unit/report/sample_report.h"

namespace certwiz::report {
namespace {

using testing::fixed_redaction;
using testing::sample_report;

class ReportFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("certwiz-files-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& data) const {
    std::ofstream(dir_ / name, std::ios::binary) << data;
  }
  std::filesystem::path dir_;
};

TEST_F(ReportFiles, BundleRoundTrip) {
  const auto p = prepare_report(sample_report(), "line one\nline two\n", true, fixed_redaction());
  ASSERT_FALSE(write_bundle(path("b.zip"), p));
  auto entries = read_zip(path("b.zip"));
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "report.json");
  EXPECT_EQ((*entries)[0].data, p.json);
  EXPECT_EQ((*entries)[1].name, "report.html");
  EXPECT_EQ((*entries)[1].data, p.html);
  EXPECT_EQ((*entries)[2].name, "certwiz.log");
  EXPECT_EQ((*entries)[2].data, "line one\nline two\n");
  EXPECT_FALSE(std::filesystem::exists(path("b.zip.part")));

  auto r = read_report_file(path("b.zip"));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->results.size(), p.report.results.size());
  EXPECT_TRUE(r->redacted);
  EXPECT_EQ(r->depends_on, p.report.depends_on);
  EXPECT_EQ(exit_code_for(*r), 2);
}

TEST_F(ReportFiles, JsonRoundTripKeepsEveryField) {
  const auto p = prepare_report(sample_report(Lang::en), "", false, fixed_redaction());
  ASSERT_FALSE(write_file(path("r.json"), p.json));
  auto r = read_report_file(path("r.json"));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(report_json_text(*r), p.json);
}

TEST_F(ReportFiles, RefusesWhatIsNotAReport) {
  write("garbage.json", "{ this is not json");
  write("other.json", R"({"name": "something else"})");
  write("newer.json", R"({"schema_version": 99, "results": []})");
  write("broken.json", R"({"schema_version": 1, "results": [{"id": 3}]})");
  write("fake.zip", std::string("PK\x03\x04", 4) + "not really a zip");
  ASSERT_FALSE(write_zip(path("empty.zip"), {{"readme.txt", "hello"}}));
  ASSERT_FALSE(write_zip(path("evil.zip"), {{"../report.json", "{}"}}));
  struct Case {
    const char* file;
    const char* code;
  } cases[] = {{"garbage.json", "REPORT-FILE-INVALID"}, {"other.json", "REPORT-FILE-INVALID"},
               {"newer.json", "REPORT-VERSION-UNSUPPORTED"}, {"broken.json", "REPORT-FILE-INVALID"},
               {"fake.zip", "REPORT-FILE-INVALID"},    {"empty.zip", "REPORT-FILE-INVALID"},
               {"evil.zip", "REPORT-FILE-INVALID"},    {"missing.json", "REPORT-FILE-INVALID"}};
  for (const auto& c : cases) {
    auto r = read_report_file(path(c.file));
    ASSERT_FALSE(r.ok()) << c.file;
    EXPECT_EQ(r.error().code, c.code) << c.file << ": " << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.file), std::string::npos) << "the error names the file";
    EXPECT_FALSE(r.error().cause().empty()) << c.code << " is in the catalogue";
  }
}

TEST_F(ReportFiles, WritableCheckCatchesBadPathsEarly) {
  EXPECT_FALSE(check_writable(path("ok.json")));
  auto missing = check_writable(path("no/such/dir/r.json"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->code, "REPORT-WRITE-FAILED");
  EXPECT_TRUE(check_writable(dir_.string()));
  EXPECT_TRUE(write_file(path("no/such/dir/r.json"), "x"));
  EXPECT_TRUE(write_zip(path("no/such/dir/r.zip"), {{"a", "b"}}));
}

// Files left in the folder besides `keep`: a temporary must never stay behind.
std::vector<std::string> others_in(const std::filesystem::path& dir, const std::set<std::string>& keep) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (!keep.count(e.path().filename().string())) out.push_back(e.path().filename().string());
  return out;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A symlink planted where the report used to put its temporary ("<path>.part") was
// followed: the report overwrote whatever it pointed to.
TEST_F(ReportFiles, PlantedSymlinkAtTheTemporaryIsNotFollowed) {
  write("victim.txt", "precious");
  std::filesystem::create_symlink(path("victim.txt"), path("r.json.part"));
  std::filesystem::create_symlink(path("victim.txt"), path("b.zip.part"));
  const auto p = prepare_report(sample_report(), "log\n", true, fixed_redaction());
  ASSERT_FALSE(write_file(path("r.json"), p.json));
  ASSERT_FALSE(write_bundle(path("b.zip"), p));
  EXPECT_EQ(read_all(path("victim.txt")), "precious");
  EXPECT_EQ(read_all(path("r.json")), p.json);
  EXPECT_TRUE(std::filesystem::is_symlink(path("r.json.part"))) << "left alone, not written through";
  EXPECT_EQ(others_in(dir_, {"victim.txt", "r.json", "b.zip", "r.json.part", "b.zip.part"}), std::vector<std::string>{});
}

// The platform half refuses anything already at the name: a symlink to a file, a
// dangling one (which O_CREAT alone would create the target of), a plain file.
TEST_F(ReportFiles, NewFilesAreCreatedExclusively) {
  write("victim.txt", "precious");
  std::filesystem::create_symlink(path("victim.txt"), path("to-victim"));
  std::filesystem::create_symlink(path("elsewhere.txt"), path("dangling"));
  write("existing", "old");
  for (const char* name : {"to-victim", "dangling", "existing"}) {
    errno = 0;
    std::FILE* f = detail::create_new_file(path(name), FileAccess::usual);
    EXPECT_EQ(f, nullptr) << name;
    if (f) std::fclose(f);
    EXPECT_EQ(errno, EEXIST) << name;
  }
  EXPECT_EQ(read_all(path("victim.txt")), "precious");
  EXPECT_FALSE(std::filesystem::exists(path("elsewhere.txt")));
  EXPECT_EQ(read_all(path("existing")), "old");
}

// A report that keeps personal data is the owner's alone, whatever the umask; a
// redacted one follows the umask as any file the user makes.
TEST_F(ReportFiles, UnredactedFilesAreReadableByTheOwnerOnly) {
  const mode_t old_umask = ::umask(022);
  const auto raw = prepare_report(sample_report(), "log\n", false, fixed_redaction());
  const auto red = prepare_report(sample_report(), "log\n", true, fixed_redaction());
  ASSERT_EQ(file_access_for(raw), FileAccess::owner_only);
  ASSERT_EQ(file_access_for(red), FileAccess::usual);
  // Files already there with wider modes are replaced, not reused.
  write("raw.json", "old");
  ::chmod(path("raw.json").c_str(), 0644);
  EXPECT_FALSE(write_file(path("raw.json"), raw.json, file_access_for(raw)));
  EXPECT_FALSE(write_bundle(path("raw.zip"), raw));
  EXPECT_FALSE(write_file(path("red.json"), red.json, file_access_for(red)));
  EXPECT_FALSE(write_bundle(path("red.zip"), red));
  ::umask(old_umask);
  EXPECT_EQ(mode_of(path("raw.json")), 0600u);
  EXPECT_EQ(mode_of(path("raw.zip")), 0600u);
  EXPECT_EQ(mode_of(path("red.json")), 0644u);
  EXPECT_EQ(mode_of(path("red.zip")), 0644u);
  EXPECT_EQ(read_all(path("raw.json")), raw.json);
}

// A write that fails half-way leaves neither the temporary nor a partial target.
TEST_F(ReportFiles, FailedWriteLeavesNothingBehind) {
  const auto e = replace_file(path("r.json"), FileAccess::usual, [](std::FILE* f) -> std::string {
    std::fputs("half", f);
    return "disk full (simulated)";
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "REPORT-WRITE-FAILED");
  EXPECT_NE(e->detail.find("disk full"), std::string::npos);
  EXPECT_EQ(others_in(dir_, {}), std::vector<std::string>{});
}

TEST(ReportDigest, NextStepIsTheFirstRootFailureInDependencyOrder) {
  const Report r = sample_report(Lang::en);
  const Digest d = digest(r);
  ASSERT_NE(d.next, nullptr);
  EXPECT_EQ(d.next->id, "cert.chain");
  EXPECT_EQ(d.not_working.size(), 4u);
  EXPECT_EQ(d.working.size(), 6u);
  EXPECT_EQ(d.undecided.size(), 2u);

  // Reordered so the consequence comes first in the list: still the cause.
  Report shuffled = r;
  std::swap(shuffled.results[7], shuffled.results[9]);
  EXPECT_EQ(digest(shuffled).next->id, "cert.chain");

  // Only warnings left: the first warning.
  Report warn_only = r;
  for (auto& c : warn_only.results)
    if (c.status == Status::fail) c.status = Status::pass;
  EXPECT_EQ(digest(warn_only).next->id, "cert.validity");

  // Without dependency data (an old report): the first failure listed.
  Report flat = r;
  flat.depends_on.clear();
  EXPECT_EQ(digest(flat).next->id, "cert.chain");
  std::swap(flat.results[7], flat.results[9]);
  EXPECT_EQ(digest(flat).next->id, "localsign.sign");

  // A dependency cycle from a hand-edited file does not hang or crash.
  Report cyclic = r;
  cyclic.depends_on["cert.chain"] = {"localsign.sign"};
  EXPECT_NE(digest(cyclic).next, nullptr);
  EXPECT_EQ(dependency_order(cyclic).size(), r.results.size());
}

TEST(ReportDigest, AllPassedHasNoNextStep) {
  Report r = sample_report();
  for (auto& c : r.results) c.status = Status::pass;
  EXPECT_EQ(digest(r).next, nullptr);
}

TEST(DisplayWidth, CountsWideCharactersTwice) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("讀卡機"), 6u);
  EXPECT_EQ(display_width("PC/SC 服務"), 10u);
  EXPECT_EQ(truncate_to_width("讀卡機服務正在執行", 7), "讀卡機…");
  EXPECT_EQ(truncate_to_width("short", 10), "short");
  EXPECT_EQ(display_width(std::string("\xff\xfe", 2)), 2u) << "invalid bytes count, never crash";
}

}  // namespace
}  // namespace certwiz::report

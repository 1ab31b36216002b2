// The printed form (PDF) and `certwiz apply`: every value on the page and selectable,
// the password nowhere, one A4 page that is not blank; the CLI's errors and exit codes.
#include <cairo.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checks/form/form_json.h"
#include "checks/form/form_pdf.h"
#include "tests/unit/form/form_fixture.h"

// The sanitizer build's leak check: see lsan.supp (a leak inside cairo itself).
extern "C" const char* __lsan_default_suppressions() { return "leak:libcairo.so.2\n"; }

namespace certwiz::form {
namespace {

namespace fs = std::filesystem;
using testing::default_rules;
using testing::kSamplePassword;
using testing::sample_form;

struct CommandRun {
  int status = -1;
  std::string out;
};

// Runs a shell command; stdout and stderr together.
CommandRun run(const std::string& cmd) {
  CommandRun r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string squeeze(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return c == ' ' || c == '\n' || c == '\f'; }), s.end());
  return s;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PdfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("certwiz-form-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// Counts pixels that are not (near) white in a PNG, through cairo's PNG loader.
size_t ink_pixels(const fs::path& png, int* width, int* height) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
  size_t ink = 0;
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(s);
    *width = cairo_image_surface_get_width(s);
    *height = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    for (int y = 0; y < *height; ++y)
      for (int x = 0; x < *width; ++x) {
        uint32_t px;
        std::memcpy(&px, data + y * stride + x * 4, 4);
        const int r = (px >> 16) & 0xFF, g = (px >> 8) & 0xFF, b = px & 0xFF;
        if (r < 200 || g < 200 || b < 200) ++ink;
      }
  }
  cairo_surface_destroy(s);
  return ink;
}

TEST_F(PdfTest, EveryValueIsTextOnOneA4PageAndThePasswordIsNot) {
  const Validation v = validate(sample_form(), default_rules());
  ASSERT_TRUE(v.ok());
  const fs::path pdf = dir_ / "form.pdf";
  PdfOptions o{std::chrono::year{2026} / std::chrono::November / 26, "CertWiz test"};
  ASSERT_FALSE(write_application_pdf(v.values, pdf.string(), o).has_value());
  ASSERT_TRUE(fs::exists(pdf));
  EXPECT_FALSE(fs::exists(pdf.string() + ".part"));

  const CommandRun info = run("pdfinfo '" + pdf.string() + "'");
  ASSERT_EQ(info.status, 0) << info.out;
  EXPECT_NE(info.out.find("Pages:           1\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("595.276 x 841.89 pts (A4)"), std::string::npos) << info.out;

  const CommandRun text = run("pdftotext -enc UTF-8 '" + pdf.string() + "' -");
  ASSERT_EQ(text.status, 0) << text.out;
  const std::string t = squeeze(text.out);
  const ValidatedForm& f = v.values;
  for (const std::string& value :
       {f.ubn, f.control_no, f.company_name, f.owner_name, f.owner_id, f.reg_address.zip, f.reg_address.county,
        f.reg_address.district, f.reg_address.street, f.mail_address.zip, f.mail_address.county + f.mail_address.district,
        f.mail_address.street, f.contact_name, f.phone1, f.phone1_ext, f.phone2, f.fax, f.email})
    EXPECT_NE(t.find(squeeze(value)), std::string::npos) << "missing on the page: " << value << "\n" << text.out;
  for (const char* fixed : {"網路帳號密碼申請書", "公司大章", "負責人小章", "中華民國115年11月26日", "2026-11-26",
                            "☑啟用Enable", "☐停用Disable", "☐啟用Enable", "☑停用Disable", "不列印", "公司登記或商業登記證明文件影本"})
    EXPECT_NE(t.find(squeeze(fixed)), std::string::npos) << "missing on the page: " << fixed << "\n" << text.out;
  EXPECT_EQ(text.out.find(kSamplePassword), std::string::npos);
  EXPECT_EQ(read_all(pdf).find(kSamplePassword), std::string::npos);

  const CommandRun png = run("pdftoppm -png -r 40 -singlefile '" + pdf.string() + "' '" + (dir_ / "page").string() + "'");
  ASSERT_EQ(png.status, 0) << png.out;
  int w = 0, h = 0;
  const size_t ink = ink_pixels(dir_ / "page.png", &w, &h);
  ASSERT_GT(w, 0);
  EXPECT_NEAR(static_cast<double>(h) / w, 841.89 / 595.276, 0.01);
  const double share = static_cast<double>(ink) / (static_cast<double>(w) * h);
  EXPECT_GT(share, 0.03) << "page looks blank";
  EXPECT_LT(share, 0.6) << "page looks filled in";
}

TEST_F(PdfTest, RocDate) {
  using namespace std::chrono;
  EXPECT_EQ(roc_date(year{2026} / November / 26), "中華民國 115 年 11 月 26 日");
  EXPECT_EQ(roc_date(year{2012} / January / 1), "中華民國 101 年 1 月 1 日");
}

TEST_F(PdfTest, UnwritablePathIsAnErrorAndLeavesNoFile) {
  const Validation v = validate(sample_form(), default_rules());
  const fs::path pdf = dir_ / "no-such-dir" / "form.pdf";
  const auto err = write_application_pdf(v.values, pdf.string(), {std::chrono::year{2026} / 1 / 1, ""});
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, "FORM-PDF-WRITE");
  EXPECT_FALSE(fs::exists(pdf));
}

TEST_F(PdfTest, LongValuesStayOnOnePage) {
  ApplicationForm form = sample_form();
  form.company_name = std::string(100, 'W');
  form.reg_address.street = "重慶南路一段" + std::string(100, '9') + "號";
  const Validation v = validate(form, default_rules());
  ASSERT_TRUE(v.ok());
  const fs::path pdf = dir_ / "long.pdf";
  ASSERT_FALSE(write_application_pdf(v.values, pdf.string(), {std::chrono::year{2026} / 1 / 1, ""}).has_value());
  const CommandRun info = run("pdfinfo '" + pdf.string() + "'");
  EXPECT_NE(info.out.find("Pages:           1\n"), std::string::npos) << info.out;
}

// Font caches are process-wide; release them once every test has run so that the
// sanitizer build's leak check sees only what this code could have leaked.
class FontCacheRelease : public ::testing::Environment {
 public:
  void TearDown() override { release_font_caches_at_exit(); }
};
[[maybe_unused]] const auto* const kFontCacheRelease = ::testing::AddGlobalTestEnvironment(new FontCacheRelease);

// The CLI child gets the same leak suppression as this process (see lsan.supp).
const std::string kCertwiz = "LSAN_OPTIONS=suppressions='" CERTWIZ_FORM_TEST_DATA "/../lsan.supp' '" CERTWIZ_CLI "'";
const std::string kData = CERTWIZ_FORM_TEST_DATA;

TEST_F(PdfTest, CliWritesThePdfForAValidFormAndNeverEchoesThePassword) {
  const fs::path pdf = dir_ / "cli.pdf";
  const CommandRun r = run(kCertwiz + " apply --lang en --form '" + kData + "/sample_form.json' --pdf '" + pdf.string() + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Every field of the form passes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Strength:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kSamplePassword), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(pdf));
  const CommandRun text = run("pdftotext -enc UTF-8 '" + pdf.string() + "' -");
  EXPECT_NE(text.out.find("22099131"), std::string::npos);
  EXPECT_EQ(text.out.find(kSamplePassword), std::string::npos);
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(read_all(entry.path()).find(kSamplePassword), std::string::npos) << entry.path();
}

TEST_F(PdfTest, CliPrintsEveryErrorAndExitsTwo) {
  const fs::path pdf = dir_ / "never.pdf";
  const CommandRun r = run(kCertwiz + " apply --lang en --form '" + kData + "/broken_form.json' --pdf '" + pdf.string() + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  for (const char* needle : {"ubn", "FORM-UBN-CHECKSUM", "owner_id", "FORM-ID-CHECKSUM", "password", "FORM-PASSWORD-TOO-SHORT",
                             "FORM-ADDRESS-DISTRICT", "FORM-ADDRESS-ZIP", "FORM-PHONE-INVALID", "FORM-PHONE-EXT",
                             "FORM-EMAIL-DOMAIN", "FORM-CERT-LOGIN-CHOICE", "colour", "FORM-JSON-UNKNOWN-KEY",
                             "FORM-FIELD-MISSING", "13 problem(s)"})  // fax: required, as the seed marks it
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  EXPECT_EQ(r.out.find("\"short\""), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(pdf));
  const CommandRun zh = run(kCertwiz + " apply --lang zh_TW --form '" + kData + "/broken_form.json'");
  EXPECT_EQ(zh.status, 2);
  EXPECT_NE(zh.out.find("檢查碼不符"), std::string::npos) << zh.out;
}

// --submit goes to the site named by the profile; a site that cannot be reached is a
// clear network failure (exit 2), and the password appears in no output.
TEST_F(PdfTest, CliSubmitToAnUnreachableSiteFailsClearly) {
  std::ifstream in(std::string(CERTWIZ_FORM_TEST_DATA) + "/../../../../assets/sites/default.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string from = "https://waste.moenv.gov.tw";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "https://127.0.0.1:9");  // nothing listens on port 9
  const std::string assets = std::string(CERTWIZ_FORM_TEST_DATA) + "/../../../../assets/";
  for (size_t at = text.find("\"trust/"); at != std::string::npos; at = text.find("\"trust/", at + assets.size()))
    text.insert(at + 1, assets);  // the anchors stay where the profile's own folder has them
  const fs::path profile = dir_ / "unreachable-site.json";
  std::ofstream(profile) << text;
  const CommandRun r = run(kCertwiz + " apply --lang en --submit --site '" + profile.string() + "' --form '" + kData +
                           "/sample_form.json'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("NET-REFUSED"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kSamplePassword), std::string::npos);
}

TEST_F(PdfTest, CliReportsUnreadableAndMalformedFiles) {
  CommandRun r = run(kCertwiz + " apply --lang en --form /nonexistent/form.json");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("FORM-FILE-UNREADABLE"), std::string::npos) << r.out;
  const fs::path bad = dir_ / "bad.json";
  std::ofstream(bad) << "{\"ubn\": \"22099131\", \"password\": \"Hunter2!x\" ";
  r = run(kCertwiz + " apply --lang en --form '" + bad.string() + "'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("FORM-JSON-SYNTAX"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Hunter2"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace certwiz::form

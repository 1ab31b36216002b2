// Attachments end to end on the lab (issue 17, item 1): the stamped application and the
// registration copy go with `certwiz apply --submit` as multipart/form-data to a reference
// site of the test's own; staff list and export them (`certwiz-site attachments`,
// `export-attachments`) and the exported bytes are the user's bytes, by sha256sum and by
// python3's hashlib. A hostile scan is stopped by CertWiz before anything is sent, and
// when sent anyway (the client's check bypassed) the site refuses it on its own reading.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checks/form/form_json.h"
#include "checks/site/client.h"
#include "tests/lab/site/testkit/lab_cards.h"
#include "tests/unit/attach/attach_fixtures.h"

using namespace certwiz;
namespace tk = certwiz::site_testkit;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string lab(const char* name) { return tk::lab_env(name); }
std::string certwiz_bin() { return lab("CERTWIZ_BUILD_DIR") + "/bin/certwiz"; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// stdout and stderr together, and the exit status.
int sh(const std::string& cmd, std::string& out) { return tk::run_command({"/bin/sh", "-c", cmd + " 2>&1"}, out); }

std::string sha256sum(const std::string& path) {
  std::string out;
  sh("sha256sum " + quote(path) + " | cut -d' ' -f1", out);
  return out.substr(0, 64);
}
std::string hashlib_sha256(const std::string& path) {
  std::string out;
  sh("python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],\"rb\").read()).hexdigest())' " + quote(path), out);
  return out.substr(0, 64);
}

class AttachLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = lab("CERTWIZ_LAB_DIR") + "/attach-tests/" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    site_ = std::make_unique<tk::SiteProcess>(dir_ + "/site");
    json p = json::parse(slurp(lab("CERTWIZ_LAB_SITE_PROFILE")));
    p["base_url"] = "https://127.0.0.1:" + std::to_string(site_->port());
    profile_path_ = dir_ + "/profile.json";
    std::ofstream(profile_path_) << p.dump(2);
  }
  static void TearDownTestSuite() { site_.reset(); }

  // A complete form for a company of its own (a fresh UBN: one application per UBN).
  static std::string form_file(const std::string& name) {
    json form = tk::lab_company_form(tk::fresh_ubn(), tk::identity("citizen")["national_id"].get<std::string>(), "enable",
                                     "enable");
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << form.dump(2);
    return path;
  }
  static std::string put(const std::string& name, const std::string& bytes) {
    return attach::testing::write_file(dir_, name, bytes);
  }
  std::string staff(const std::string& args) {
    std::string out;
    const int rc = sh(tk::site_binary() + " " + args, out);
    EXPECT_EQ(rc, 0) << out;
    return out;
  }

  static inline std::string dir_, profile_path_;
  static inline std::unique_ptr<tk::SiteProcess> site_;
};

TEST_F(AttachLab, ApplyWithTwoScansStaffListAndExportTheSameBytes) {
  const std::string stamped = put("stamped.pdf", attach::testing::make_pdf(2));
  const std::string registration = put("registration.jpg", attach::testing::make_jpeg(1654, 2339));
  std::string out;
  const int rc = sh(certwiz_bin() + " apply --form " + quote(form_file("form.json")) + " --attach " + quote(stamped) +
                        " --attach " + quote(registration) + " --submit --site " + quote(profile_path_) + " --lang en",
                    out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("stamped.pdf"), std::string::npos) << out;
  EXPECT_NE(out.find("PDF, 2 page(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("JPEG 1654x2339"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("APP-[0-9]{6}"))) << out;
  const std::string app = m.str();

  // Staff: one line each, ordinal, type, size, SHA-256, name.
  const std::string list = staff("attachments --db " + quote(site_->db()) + " " + app);
  std::istringstream lines(list);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cols;
    std::istringstream cells(line);
    for (std::string c; std::getline(cells, c, '\t');) cols.push_back(c);
    rows.push_back(cols);
  }
  ASSERT_EQ(rows.size(), 2u) << list;
  ASSERT_EQ(rows[0].size(), 5u) << list;
  EXPECT_EQ(rows[0][1], "application/pdf");
  EXPECT_EQ(rows[0][2], std::to_string(fs::file_size(stamped)));
  EXPECT_EQ(rows[0][3], sha256sum(stamped));
  EXPECT_EQ(rows[0][4], "stamped.pdf");
  EXPECT_EQ(rows[1][1], "image/jpeg");
  EXPECT_EQ(rows[1][3], sha256sum(registration));
  EXPECT_EQ(rows[1][4], "registration.jpg");

  const std::string out_dir = dir_ + "/export";
  staff("export-attachments --db " + quote(site_->db()) + " " + app + " --out " + quote(out_dir));
  ASSERT_TRUE(fs::exists(out_dir + "/1-stamped.pdf"));
  ASSERT_TRUE(fs::exists(out_dir + "/2-registration.jpg"));
  // The bytes staff get are the user's: judged by two tools that are not CertWiz.
  EXPECT_EQ(hashlib_sha256(out_dir + "/1-stamped.pdf"), hashlib_sha256(stamped));
  EXPECT_EQ(sha256sum(out_dir + "/2-registration.jpg"), sha256sum(registration));
  EXPECT_EQ(hashlib_sha256(out_dir + "/2-registration.jpg"), sha256sum(registration));
  std::string info;
  sh("pdfinfo " + quote(out_dir + "/1-stamped.pdf"), info);
  EXPECT_TRUE(std::regex_search(info, std::regex("Pages:\\s+2\\n"))) << info;
}

TEST_F(AttachLab, HostileScanIsStoppedBeforeAnythingIsSent) {
  // An executable named like the stamped application.
  const std::string exe = put("stamped-exe.pdf", std::string("\x7f" "ELF\x02\x01\x01\0", 8) + std::string(4000, '\0'));
  const std::string thumb = put("thumb.png", attach::testing::make_png(120, 170));
  const std::string form = form_file("hostile.json");
  std::string out;
  const int rc = sh(certwiz_bin() + " apply --form " + quote(form) + " --attach " + quote(exe) + " --attach " + quote(thumb) +
                        " --submit --site " + quote(profile_path_) + " --lang en",
                    out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("ATTACH-EXECUTABLE"), std::string::npos) << out;
  EXPECT_NE(out.find("ATTACH-IMAGE-THUMBNAIL"), std::string::npos) << out;
  EXPECT_EQ(out.find("APP-"), std::string::npos) << out;
  // The same form goes through afterwards: no application was made for its UBN.
  const std::string good = put("good.png", attach::testing::make_png(1240, 1754));
  const int rc2 = sh(certwiz_bin() + " apply --form " + quote(form) + " --attach " + quote(good) + " --submit --site " +
                         quote(profile_path_) + " --lang en",
                     out);
  EXPECT_EQ(rc2, 0) << out;
  EXPECT_NE(out.find("APP-"), std::string::npos) << out;
}

TEST_F(AttachLab, SiteRefusesWhatTheClientWouldHaveStopped) {
  auto rules = form::load_form_rules(profile_path_);
  ASSERT_TRUE(rules) << rules.error().detail;
  const std::string form_json = slurp(form_file("direct.json"));
  form::CheckedForm checked = form::check_form_json(form_json, *rules);
  ASSERT_TRUE(checked.ok());
  auto profile = load_site_profile(profile_path_);
  ASSERT_TRUE(profile);
  site::SiteClientOptions o;
  o.proxy = "direct";
  site::SiteClient client(*profile, o);
  const std::string elf = std::string("\x7f" "ELF\x02\x01\x01\0", 8) + std::string(2000, '\0');
  const std::string png = attach::testing::make_png(1240, 1754);
  const std::string thumb = attach::testing::make_png(100, 140);
  std::vector<form::AttachmentUpload> uploads = {
      {"stamped.pdf", "application/pdf", elf},       // a program
      {"registration.pdf", "application/pdf", png},  // declared PDF, is PNG
      {"thumb.png", "image/png", thumb},             // too few pixels
  };
  auto r = client.apply(checked.validation.values, checked.file.form.password, uploads);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "SITE-ATTACHMENT-INVALID") << r.error().detail;
  ASSERT_TRUE(client.last_failure());
  const auto& fields = client.last_failure()->fields;
  ASSERT_EQ(fields.size(), 3u) << r.error().detail;
  EXPECT_EQ(fields[0].field, "attachment[0]");
  EXPECT_EQ(fields[0].code, "ATTACH-EXECUTABLE");
  EXPECT_EQ(fields[1].code, "ATTACH-TYPE-UNSUPPORTED");
  EXPECT_EQ(fields[2].code, "ATTACH-IMAGE-THUMBNAIL");
  // Nothing was made: the same form with a good scan is accepted.
  std::vector<form::AttachmentUpload> good = {{"registration.png", "image/png", png}};
  auto ok = client.apply(checked.validation.values, checked.file.form.password, good);
  ASSERT_TRUE(ok) << ok.error().code << " " << ok.error().detail;
  std::string list;
  ASSERT_EQ(sh(tk::site_binary() + " attachments --db " + quote(site_->db()) + " " + ok->id, list), 0) << list;
  EXPECT_NE(list.find("image/png"), std::string::npos) << list;
}

TEST_F(AttachLab, OtherEndpointsKeepTheSixtyFourKilobyteLimit) {
  // The site admits megabytes only for an application with its scans.
  auto profile = load_site_profile(profile_path_);
  ASSERT_TRUE(profile);
  std::string out;
  const std::string big = dir_ + "/big.json";
  std::ofstream(big) << "{\"purpose\":\"login\",\"pad\":\"" << std::string(100 * 1024, 'x') << "\"}";
  sh("curl -s --cacert " + quote(lab("CERTWIZ_LAB_TLS_CA")) +
         " -H 'Content-Type: application/json' --data-binary @" + quote(big) + " -w ' %{http_code}' " +
         quote(profile->base_url + profile->endpoints.at("challenge")),
     out);
  EXPECT_NE(out.find("SITE-BODY-TOO-LARGE"), std::string::npos) << out;
  EXPECT_NE(out.find(" 413"), std::string::npos) << out;
}

}  // namespace

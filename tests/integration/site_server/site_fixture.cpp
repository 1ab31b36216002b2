#include "tests/integration/site_server/site_fixture.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace certwiz::site_testkit {

std::string scratch_dir(const std::string& name) {
  static std::atomic<int> n{0};
  const std::string d = lab_env("CERTWIZ_LAB_DIR") + "/site-tests/" + std::to_string(getpid()) + "-" +
                        std::to_string(n++) + "-" + name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

TestAccount make_account(SiteProcess& site, const std::string& ubn, const std::string& owner_id,
                         const std::string& citizen, const std::string& business, int valid_days) {
  SiteClient c("127.0.0.1", site.port(), tls_ca_file());
  auto form = lab_company_form(ubn, owner_id, citizen, business);
  Answer a = c.post_json(kApply, form);
  if (a.status != 201) throw std::runtime_error("apply " + ubn + ": " + std::to_string(a.status) + " " + a.raw);
  TestAccount t;
  t.ubn = ubn;
  t.control_no = form["control_no"].get<std::string>();
  t.application = a.body["application"]["id"].get<std::string>();
  t.code = site.approve(t.application, valid_days);
  return t;
}

void SiteTest::SetUpTestSuite() {
  site_ = std::make_unique<SiteProcess>(scratch_dir("suite"));
  lab_account_ = make_account(*site_, identity("business")["ubn"].get<std::string>(),
                              identity("citizen")["national_id"].get<std::string>());
}

void SiteTest::TearDownTestSuite() { site_.reset(); }

SiteClient SiteTest::client() { return SiteClient("127.0.0.1", site_->port(), tls_ca_file()); }

}  // namespace certwiz::site_testkit

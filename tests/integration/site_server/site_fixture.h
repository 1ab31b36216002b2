#pragma once
// A certwiz-site of the suite's own (fresh database, free port) on the lab's PKI, with
// the lab company's account applied for and approved, and helpers the tests share.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/lab/site/testkit/lab_cards.h"
#include "tests/lab/site/testkit/site_client.h"

namespace certwiz::site_testkit {

struct TestAccount {
  std::string ubn, control_no, code, application;
};

// A fresh directory under the lab's state dir for one server.
std::string scratch_dir(const std::string& name);

// apply (201) + approve; throws (test failure) when either fails.
TestAccount make_account(SiteProcess& site, const std::string& ubn, const std::string& owner_id,
                         const std::string& citizen = "enable", const std::string& business = "enable",
                         int valid_days = 14);

class SiteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static SiteClient client();
  static SiteProcess& site() { return *site_; }
  // The lab company (UBN 83124560), both login types, responsible person = the citizen card.
  static const TestAccount& lab_account() { return lab_account_; }

  static inline std::unique_ptr<SiteProcess> site_;
  static inline TestAccount lab_account_;
};

}  // namespace certwiz::site_testkit

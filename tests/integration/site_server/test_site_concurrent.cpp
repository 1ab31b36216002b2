// 50 clients log in at the same moment with the lab's cards' keys: every login succeeds.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "tests/integration/site_server/site_fixture.h"

namespace certwiz::site_testkit {
namespace {

TEST(SiteConcurrency, FiftyConcurrentLoginsAllSucceed) {
  SiteProcess site(scratch_dir("fifty"));
  const TestAccount lab = make_account(site, "83124560", "F131058274");
  const TestAccount g2 = make_account(site, fresh_ubn(), "B220493112");
  SiteClient setup("127.0.0.1", site.port(), tls_ca_file());
  ASSERT_EQ(setup.bind(card_files("business"), "business", lab.ubn, lab.control_no, lab.code).status, 200);
  ASSERT_EQ(setup.bind(card_files("citizen"), "citizen", lab.ubn, lab.control_no, lab.code).status, 200);
  ASSERT_EQ(setup.bind(card_files("g2-citizen"), "citizen", g2.ubn, g2.control_no, g2.code).status, 200);

  constexpr int kClients = 50;
  const char* cards[] = {"business", "citizen", "g2-citizen"};
  std::barrier start(kClients);
  std::atomic<int> ok{0};
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&, i] {
      SiteClient c("127.0.0.1", site.port(), tls_ca_file());
      const std::string card = cards[i % 3];
      Answer ch = c.challenge_login();  // each client gets its own cookie first
      start.arrive_and_wait();
      Answer a = c.login(card_files(card));
      if (a.status == 200 && a.body["account"]["ubn"] == (card == "g2-citizen" ? g2.ubn : lab.ubn) &&
          c.get(kSession).status == 200)
        ++ok;
      else
        failures[static_cast<size_t>(i)] = card + ": " + std::to_string(a.status) + " " + a.raw;
    });
  for (auto& t : threads) t.join();
  for (const auto& f : failures) EXPECT_TRUE(f.empty()) << f;
  EXPECT_EQ(ok, kClients);
}

}  // namespace
}  // namespace certwiz::site_testkit

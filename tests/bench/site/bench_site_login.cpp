// bench_site_login: N certificate logins (challenge → CMS signed with the card's key
// file through OpenSSL → login) by K concurrent clients against the lab's site, each
// client on its own keep-alive TLS connection. Prints throughput and p50/p99 latency
// of a whole login (both requests plus signing). Run inside the lab:
//   tests/lab/lab run -- build/bin/bench_site_login [-n 400] [-k 8]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "tests/lab/site/testkit/lab_cards.h"
#include "tests/lab/site/testkit/site_client.h"

using namespace certwiz::site_testkit;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  CLI::App app{"Certificate logins against the lab's reference site"};
  int n = 400, k = 8, port = 8443;
  std::string card = "g2-citizen", db;
  app.add_option("-n,--logins", n, "Logins in total")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("-k,--clients", k, "Concurrent clients")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--port", port, "Site port on 127.0.0.1")->capture_default_str();
  app.add_option("--card", card, "Lab card whose SIGN key signs (bound to a fresh account first)")->capture_default_str();
  app.add_option("--db", db, "The site's database, for the approval (default: $CERTWIZ_LAB_SITE_DB)");
  CLI11_PARSE(app, argc, argv);

  try {
    const std::string ca = lab_env("CERTWIZ_LAB_TLS_CA");
    const SignerFiles key = card_files(card);
    // Setup: a company of its own whose responsible person holds the card; approve
    // through the site's admin command; bind.
    SiteClient setup("127.0.0.1", port, ca);
    const std::string ubn = fresh_ubn();
    const std::string owner = identity(card).value("national_id", "F131058274");
    Answer applied = setup.post_json(kApply, lab_company_form(ubn, owner, "enable", "disable"));
    if (applied.status != 201) throw std::runtime_error("apply: " + applied.raw);
    std::string out;
    if (db.empty()) db = lab_env("CERTWIZ_LAB_SITE_DB");
    if (run_command({site_binary(), "approve", "--db", db,
                     applied.body["application"]["id"].get<std::string>()},
                    out) != 0)
      throw std::runtime_error("approve: " + out);
    const std::string code = out.substr(out.find("verification code: ") + 19, 8);
    Answer bound = setup.bind(key, "citizen", ubn, "L5600123", code);
    if (bound.status != 200) throw std::runtime_error("bind: " + bound.raw);

    std::atomic<int> next{0}, failed{0};
    std::vector<std::vector<double>> per_client(static_cast<size_t>(k));
    std::vector<std::string> first_error(static_cast<size_t>(k));
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < k; ++c)
      threads.emplace_back([&, c] {
        SiteClient client("127.0.0.1", port, ca);
        while (next++ < n) {
          const auto s = Clock::now();
          Answer a = client.login(key);
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - s).count();
          if (a.status == 200) {
            per_client[static_cast<size_t>(c)].push_back(ms);
          } else {
            ++failed;
            if (first_error[static_cast<size_t>(c)].empty()) first_error[static_cast<size_t>(c)] = a.raw;
          }
        }
      });
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> all;
    for (const auto& v : per_client) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) {
      return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))];
    };
    std::printf("bench_site_login: %d logins, %d clients, card %s\n", n, k, card.c_str());
    std::printf("  succeeded %zu, failed %d\n", all.size(), failed.load());
    std::printf("  throughput %.1f logins/s (%.2f s)\n", static_cast<double>(all.size()) / secs, secs);
    std::printf("  latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", pct(0.50), pct(0.99), all.empty() ? 0.0 : all.back());
    for (const auto& e : first_error)
      if (!e.empty()) {
        std::printf("  first error: %s\n", e.c_str());
        break;
      }
    return failed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_site_login: %s\n", e.what());
    return 2;
  }
}

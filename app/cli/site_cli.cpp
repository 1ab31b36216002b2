// Shared pieces of `certwiz bind` and `certwiz login-test` (site_cli.h).
#include "app/cli/site_cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>

#include "checks/core/display_safe.h"
#include "checks/core/platform.h"

namespace certwiz::cli {

void add_site_path_options(CLI::App& cmd, SitePathFlags& f) {
  add_common_options(cmd, f.common);
  cmd.add_option("--path", f.path,
                 "Signing path: card (PKCS#11 directly), localsign (the local signing component, as the browser), or both")
      ->check(CLI::IsMember({"card", "localsign", "both"}));
  add_slot_option(cmd, f.slot, "to use; needed when several cards are in");
  cmd.add_option("--localsign-url", f.localsign_url,
                 "The local signing component (default: http://127.0.0.1:61161)");
  cmd.add_option("--json", f.json_out, "Write the result as JSON to this file ('-' for standard output)");
  cmd.add_option("--timeout", f.timeout_s, "Seconds each request to the site may take")->check(CLI::Range(1.0, 600.0));
}

std::vector<site::ChallengeSigner*> SiteRun::signer_ptrs() const { return site::signer_ptrs(signers); }

std::optional<int> prepare_site_run(const SitePathFlags& f, SiteRun& run) {
  if (!make_run_options(f.common, run.options, true)) return static_cast<int>(kUsage);
  const bool en = run.options.lang == Lang::en;
  if (!run.options.pin && is_terminal(stdin)) {
    protect_process_from_dumps();
    auto pin = std::make_shared<Secret>();
    if (read_secret_from_terminal(en ? "Card PIN: " : "請輸入卡片 PIN 碼：", *pin) && !pin->empty())
      run.options.pin = std::move(pin);
  }
  if (!run.options.pin) {
    std::fprintf(stderr, "certwiz: %s\n",
                 en ? "this command signs with the card and needs its PIN: use --pin-stdin or --ask-pin"
                    : "這個指令要用卡片簽章，需要 PIN：請用 --pin-stdin 或 --ask-pin");
    return static_cast<int>(kUsage);
  }
  Console console(run.options.lang);
  auto profile = site::load_client_profile(f.common.site);
  if (!profile) {
    console.print_error(profile.error());
    return static_cast<int>(kFailures);
  }
  run.profile = *profile;
  run.client.extra_ca_files = f.common.trust;
  if (f.timeout_s > 0) run.client.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));
  site::SignerRequest request;
  request.card = f.path == "card" || f.path == "both";
  request.localsign = f.path == "localsign" || f.path == "both";
  request.reader = f.slot;
  request.localsign_url = f.localsign_url;
  run.signers = site::make_signers(run.options, run.profile, request, run.options.pin);
  return std::nullopt;
}

namespace {

Json error_json(const Error& e) {
  Json j{{"code", e.code}, {"detail", e.detail}};
  j["cause"] = to_json(e.cause());
  j["remedy"] = to_json(e.remedy(FrontEnd::report));  // JSON is a report: the neutral form
  return j;
}

Json outcome_json(const site::PathOutcome& o) {
  Json j{{"path", std::string(site::signing_path_name(o.path))}, {"attempted", o.attempted}, {"ok", o.ok},
         {"ms", o.ms}};
  if (o.error) j["error"] = error_json(*o.error);
  if (o.bound) {
    j["login_type"] = std::string(site::login_type_name(o.bound->login_type));
    j["message"] = to_json(o.bound->message);
    j["certificate"] = {{"subject", o.bound->certificate.subject},
                        {"issuer", o.bound->certificate.issuer},
                        {"serial", o.bound->certificate.serial},
                        {"fingerprint_sha256", o.bound->certificate.fingerprint_sha256}};
  }
  if (o.session) {
    j["account"] = {{"ubn", o.session->ubn}, {"company_name", o.session->company_name}};
    j["login_type"] = std::string(site::login_type_name(o.session->login_type));
    j["session_checked"] = o.session_checked;
    j["logged_out"] = o.logged_out;
  }
  return j;
}

}  // namespace

int finish_site_run(const std::string& command, const SitePathFlags& f, const SiteRun& run,
                    const site::PathsReport& report, Json extra) {
  const Lang lang = run.options.lang;
  const bool en = lang == Lang::en;
  Json j{{"command", command}, {"site", run.profile.base_url}, {"ok", report.ok()}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  j["paths"] = Json::array();
  for (const auto& o : report.paths) j["paths"].push_back(outcome_json(o));
  if (report.verdict) j["verdict"] = error_json(*report.verdict);
  const std::string text = j.dump(2);
  if (f.json_out == "-") {
    std::cout << text << '\n';
  } else {
    for (const auto& o : report.paths) {
      const std::string name = o.path == site::SigningPath::card
                                   ? (en ? "card (PKCS#11)" : "卡片直接簽章（PKCS#11）")
                                   : (en ? "local signing component (browser path)" : "跨平台網頁元件（瀏覽器路徑）");
      if (o.ok) {
        std::string what;
        if (o.bound) what = o.bound->message.in(lang).empty() ? (en ? "bound" : "綁定成功") : o.bound->message.in(lang);
        if (o.session)
          what = (en ? "logged in as " : "登入成功：") + o.session->company_name + " (" + o.session->ubn + ")" +
                 (en ? ", session checked, logged out" : "，已確認登入狀態並登出");
        std::printf("✓ %s: %s  (%.0f ms)\n", name.c_str(), display_safe(what).c_str(), o.ms);  // site text
      } else {
        const Error& e = o.error ? *o.error : Error{"SITE-NO-SIGNING-PATH", ""};
        std::printf("%s %s: [%s] %s\n", o.attempted ? "✗" : "-", name.c_str(), display_safe(e.code).c_str(), e.cause().in(lang).c_str());
        if (!e.remedy().in(lang).empty()) std::printf("    %s%s\n", en ? "Fix: " : "處理：", e.remedy().in(lang).c_str());
        if (!e.detail.empty()) std::printf("    (%s)\n", display_safe(e.detail).c_str());
      }
    }
    if (report.verdict) {
      const Error& v = *report.verdict;
      std::printf("\n%s [%s] %s\n    %s%s\n", en ? "Result:" : "結果：", display_safe(v.code).c_str(), v.cause().in(lang).c_str(),
                  en ? "Fix: " : "處理：", v.remedy().in(lang).c_str());
    } else {
      std::printf("\n%s\n", en ? "Result: every signing path works." : "結果：所有簽章路徑都正常。");
    }
    if (!f.json_out.empty()) {
      std::ofstream out(f.json_out, std::ios::binary | std::ios::trunc);
      out << text << '\n';
      if (!out) {
        std::fprintf(stderr, "certwiz: cannot write %s\n", f.json_out.c_str());
        return static_cast<int>(kInternal);
      }
      std::printf("JSON: %s\n", f.json_out.c_str());
    }
  }
  return report.ok() ? static_cast<int>(kAllPassed) : static_cast<int>(kFailures);
}

}  // namespace certwiz::cli

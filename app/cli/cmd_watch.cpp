// certwiz watch: reader and card events as they happen (reader added/removed, card
// inserted with its ATR and what card it is, card removed), until Ctrl-C or --seconds.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>

#include "app/cli/cli.h"
#include "assets/assets.h"
#include "checks/core/platform.h"
#include "checks/pcsc/card_identity.h"
#include "checks/pcsc/reader_watch.h"

namespace certwiz::cli {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

struct WatchFlags {
  std::string lang;
  double seconds = 0;
  bool json = false;
  std::string smartcard_list;
};

std::string clock_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::tm tm = local_calendar(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}
}  // namespace

void register_watch(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("watch", "Show card reader and card events live (Ctrl-C to stop)");
  static WatchFlags f;
  cmd->add_option("--lang", f.lang, "zh_TW or en");
  cmd->add_option("--seconds", f.seconds, "Stop after this many seconds (default: until Ctrl-C)");
  cmd->add_flag("--json", f.json, "One JSON object per event");
  cmd->add_option("--smartcard-list", f.smartcard_list, "pcsc-tools' smartcard_list.txt to identify cards");
  cmd->callback([&run] {
    run = [] {
      const Lang lang = user_lang(f.lang);
      using namespace certwiz::pcsc;
      auto table = TaiwanAtrTable::load(asset_path("atr/taiwan.json"));
      SmartcardList list;
      std::string list_path = f.smartcard_list;
      if (list_path.empty())
        for (const auto& p : default_smartcard_list_paths())
          if (std::ifstream(p)) {
            list_path = p;
            break;
          }
      if (!list_path.empty()) list = load_smartcard_list(list_path);
      std::mutex out_m;
      ReaderWatch watch([&](const ReaderEvent& e) {
        Json j = to_json(e);
        std::string what;
        if (!e.atr.empty() && table) {
          auto decoded = decode_atr(e.atr);
          const CardIdentity id = identify_card(e.atr, decoded ? &*decoded : nullptr, *table, &list);
          j["card_type"] = id.to_json();
          what = id.name.empty() ? (lang == Lang::en ? "unknown card" : "無法辨識的卡片") : id.name.in(lang);
        }
        std::lock_guard g(out_m);
        if (f.json) {
          std::printf("%s\n", j.dump().c_str());
        } else {
          std::printf("%s  %-15s %s", clock_now().c_str(), std::string(kind_name(e.kind)).c_str(), e.reader.c_str());
          if (!e.atr.empty()) std::printf("  [%s] %s", hex_spaced(e.atr).c_str(), what.c_str());
          std::printf("\n");
        }
        std::fflush(stdout);
      });
      auto started = watch.start();
      if (!started) {
        const Error& err = started.error();
        std::fprintf(stderr, "certwiz: %s: %s\n  %s\n  (%s)\n", err.code.c_str(), err.cause().in(lang).c_str(),
                     err.remedy().in(lang).c_str(), err.detail.c_str());
        return static_cast<int>(kFailures);
      }
      std::signal(SIGINT, on_sigint);
      std::signal(SIGTERM, on_sigint);
      const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(f.seconds);
      while (!g_interrupted && (f.seconds <= 0 || std::chrono::steady_clock::now() < until))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      watch.stop();
      return static_cast<int>(kAllPassed);
    };
  });
}

}  // namespace certwiz::cli

// checks/pcsc against the lab: pcsc.service, pcsc.readers and card.atr on real pcscd +
// vpcd + vicc, ReaderWatch latency on a card removal, and `certwiz diagnose --json`.
// Runs inside the lab (certwiz_lab_gtest ... SERIAL): it stops pcscd and moves cards.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "checks/core/runner.h"
#include "checks/pcsc/checks.h"
#include "checks/pcsc/reader_watch.h"

namespace certwiz::pcsc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kCitizenReader[] = "CertWiz Lab Reader A 00 00";
constexpr char kExpiredReader[] = "CertWiz Lab Reader B 00 00";  // not inserted by `lab up`
constexpr char kFreeReader[] = "CertWiz Lab Reader D 00 00";     // never has a card
// The lab's gen1 cards answer with the real first-generation MOICA ATR (RCHTMOICA).
constexpr char kLabAtr[] = "3B B8 13 00 81 31 FA 52 43 48 54 4D 4F 49 43 41 A5";

// `lab ARGS...` from inside the lab (the script enters the same namespaces again).
int lab(const std::string& args) {
  const std::string cmd = std::string(CERTWIZ_LAB_SCRIPT) + " " + args + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::map<std::string, CheckResult> run(RunOptions options = {}) {
  options.lang = Lang::en;
  RunnerOptions ro;
  ro.max_parallel = 1;
  std::map<std::string, CheckResult> out;
  for (auto& r : run_checks(pcsc_checks(options), ro)) out[r.id] = r;
  return out;
}

Json find_reader(const Json& readers, const std::string& name) {
  for (const auto& r : readers)
    if (r["name"] == name) return r;
  return nullptr;
}

Json read_json(const std::string& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

Json result_of(const Json& report, const std::string& id) {
  for (const auto& r : report["results"])
    if (r["id"] == id) return r;
  return nullptr;
}

class PcscLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_NE(std::getenv("CERTWIZ_LAB"), nullptr) << "run inside the lab (ctest, or tests/lab/lab run --)";
  }
  void TearDown() override {
    // Leave the lab as `up` made it, whatever a test did.
    lab("pcscd start");
    lab("card remove expired");
  }
};

TEST_F(PcscLab, ServiceReadersAndLabCardIdentified) {
  auto r = run();
  ASSERT_EQ(r["pcsc.service"].status, Status::pass) << r["pcsc.service"].detail;
  EXPECT_EQ(r["pcsc.service"].evidence["reachable"], true);
  EXPECT_EQ(r["pcsc.service"].evidence["os"], "linux");

  const CheckResult& readers = r["pcsc.readers"];
  ASSERT_EQ(readers.status, Status::pass) << readers.summary.en << " " << readers.detail;
  EXPECT_EQ(readers.evidence["readers"].size(), 8u);
  const Json citizen = find_reader(readers.evidence["readers"], kCitizenReader);
  ASSERT_TRUE(citizen.is_object());
  EXPECT_EQ(citizen["atr"], kLabAtr);
  EXPECT_EQ(find_reader(readers.evidence["readers"], kFreeReader)["state"], "empty");

  const CheckResult& card = r["card.atr"];
  ASSERT_EQ(card.status, Status::pass) << card.summary.en << " " << card.detail;
  EXPECT_NE(card.summary.en.find("Citizen digital certificate card (MOICA)"), std::string::npos) << card.summary.en;
  const Json& cards = card.evidence["cards"];
  ASSERT_GE(cards.size(), 2u);  // citizen and business
  const Json& first = cards[0];
  EXPECT_EQ(first["atr"], kLabAtr);
  EXPECT_EQ(first["card_type"]["source"], "taiwan-table");
  EXPECT_EQ(first["card_type"]["family"], "moica");
  EXPECT_EQ(first["decoded"]["protocols"], Json::array({"T=1"}));
  EXPECT_EQ(first["decoded"]["historical"]["text"], "CHTMOICA");
  EXPECT_EQ(first["decoded"]["tck"]["value"], "A5");
  // The read-only applet probe ran: a gen1 card has no GPPKI applet, so it is gen1.
  EXPECT_EQ(first["applet_probe"]["gen2_applet"], false) << first["applet_probe"].dump();
  EXPECT_EQ(first["card_type"]["generation"], "gen1");
}

TEST_F(PcscLab, ReaderWithoutCardIsListedAndCardCheckSaysSo) {
  RunOptions o;
  o.reader = kFreeReader;
  auto r = run(o);
  ASSERT_EQ(r["pcsc.readers"].status, Status::pass);
  EXPECT_EQ(find_reader(r["pcsc.readers"].evidence["readers"], kFreeReader)["state"], "empty");
  const CheckResult& card = r["card.atr"];
  EXPECT_EQ(card.status, Status::fail);
  EXPECT_EQ(card.code, "CARD-NOT-INSERTED");
  EXPECT_EQ(card.evidence["empty_readers"], Json::array({kFreeReader}));
  EXPECT_FALSE(card.remedy.en.empty());
}

// The checks read sysfs, /proc and the driver bundles from PcscCheckConfig paths: point
// them at fixture trees next to the real PC/SC of the lab.
TEST_F(PcscLab, UsbReaderWithoutDriverAndSecondDaemonFromFixtureTrees) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("certwiz-pcsc-lab-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto write = [](const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << s;
  };
  const fs::path usb = root / "sys" / "bus" / "usb" / "devices";
  write(usb / "3-1" / "idVendor", "08e6\n");
  write(usb / "3-1" / "idProduct", "3437\n");
  write(usb / "3-1" / "product", "USB SmartCard Reader\n");
  write(usb / "3-1:1.0" / "bInterfaceClass", "0b\n");
  for (int pid : {100, 200}) write(root / "proc" / std::to_string(pid) / "comm", "pcscd\n");
  fs::create_directories(root / "proc" / "self");

  PcscCheckConfig config;
  config.paths.sysfs_root = (root / "sys").string();
  config.paths.proc_root = (root / "proc").string();
  config.paths.drivers_dir = CERTWIZ_PCSC_UNIT_FIXTURES "/drivers";
  RunOptions options;
  options.lang = Lang::en;
  std::map<std::string, CheckResult> r;
  for (auto& x : run_checks(pcsc_checks(options, config), RunnerOptions{})) r[x.id] = x;
  fs::remove_all(root);

  EXPECT_EQ(r["pcsc.service"].status, Status::warn);
  EXPECT_EQ(r["pcsc.service"].code, "PCSC-SECOND-DAEMON");
  EXPECT_EQ(r["pcsc.service"].detail, "2 pcscd processes: 100, 200");
  // The lab's readers work, so a driverless extra reader is a warning, not a failure.
  const CheckResult& readers = r["pcsc.readers"];
  EXPECT_EQ(readers.status, Status::warn);
  EXPECT_EQ(readers.code, "PCSC-READER-NO-DRIVER");
  EXPECT_NE(readers.remedy.en.find("libccid"), std::string::npos);
  ASSERT_EQ(readers.evidence["usb_card_readers"].size(), 1u);
  EXPECT_EQ(readers.evidence["usb_card_readers"][0]["vendor_id"], "08e6");
  EXPECT_EQ(readers.evidence["drivers"].size(), 2u);
  EXPECT_EQ(r["card.atr"].status, Status::pass);  // a warning does not stop the card check
}

TEST_F(PcscLab, PcscdStoppedIsNoServiceWithTheLinuxRemedy) {
  ASSERT_EQ(lab("pcscd stop"), 0);
  auto r = run();
  const CheckResult& s = r["pcsc.service"];
  EXPECT_EQ(s.status, Status::fail);
  EXPECT_EQ(s.code, "PCSC-NO-SERVICE");
  EXPECT_EQ(s.detail, "SCardEstablishContext: SCARD_E_NO_SERVICE (0x8010001D)");
  EXPECT_NE(s.remedy.en.find("sudo systemctl enable --now pcscd.socket"), std::string::npos) << s.remedy.en;
  EXPECT_NE(s.remedy.zh_TW.find("pcscd.socket"), std::string::npos);
  EXPECT_EQ(r["pcsc.readers"].status, Status::skipped);
  EXPECT_EQ(r["card.atr"].status, Status::skipped);
  ASSERT_EQ(lab("pcscd start"), 0);
  EXPECT_EQ(run()["pcsc.service"].status, Status::pass);
}

struct EventLog {
  std::mutex m;
  std::condition_variable cv;
  std::vector<ReaderEvent> events;
  void add(const ReaderEvent& e) {
    {
      std::lock_guard g(m);
      events.push_back(e);
    }
    cv.notify_all();
  }
  // Waits for an event of `kind` on `reader`; returns its time.
  std::optional<ReaderEvent> wait(ReaderEvent::Kind kind, const std::string& reader, std::chrono::milliseconds limit) {
    std::unique_lock lk(m);
    std::optional<ReaderEvent> found;
    cv.wait_for(lk, limit, [&] {
      for (const auto& e : events)
        if (e.kind == kind && e.reader == reader) found = e;
      return found.has_value();
    });
    return found;
  }
};

pid_t vicc_pid(const std::string& card) {
  std::ifstream in(std::string(std::getenv("CERTWIZ_LAB_DIR")) + "/pids/vicc-" + card + ".pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

TEST_F(PcscLab, ReaderWatchSeesInsertAndRemovalWithinOneSecond) {
  EventLog log;
  ReaderWatch watch([&log](const ReaderEvent& e) { log.add(e); });
  ASSERT_TRUE(watch.start().ok());
  // The snapshot: every reader, and the citizen card already in its reader.
  ASSERT_TRUE(log.wait(ReaderEvent::Kind::reader_added, kFreeReader, 3s));
  auto citizen = log.wait(ReaderEvent::Kind::card_inserted, kCitizenReader, 3s);
  ASSERT_TRUE(citizen);
  EXPECT_TRUE(citizen->initial);
  EXPECT_EQ(hex_spaced(citizen->atr), kLabAtr);

  ASSERT_EQ(lab("card insert expired"), 0);
  auto inserted = log.wait(ReaderEvent::Kind::card_inserted, kExpiredReader, 3s);
  ASSERT_TRUE(inserted);
  EXPECT_FALSE(inserted->initial);
  EXPECT_EQ(hex_spaced(inserted->atr), kLabAtr);

  // Removal: the moment the card goes is the moment its vicc dies.
  const pid_t pid = vicc_pid("expired");
  ASSERT_GT(pid, 1);
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  auto removed = log.wait(ReaderEvent::Kind::card_removed, kExpiredReader, 3s);
  ASSERT_TRUE(removed) << "no card-removed event within 3 s";
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(removed->at - t0);
  std::printf("[ measure  ] card removal → ReaderWatch event: %lld ms\n", static_cast<long long>(latency.count()));
  RecordProperty("removal_event_ms", static_cast<int>(latency.count()));
  EXPECT_LT(latency.count(), 1000);

  const auto stop0 = Clock::now();
  watch.stop();
  const auto stop_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stop0).count();
  std::printf("[ measure  ] ReaderWatch::stop: %lld ms\n", static_cast<long long>(stop_ms));
  EXPECT_LT(stop_ms, 500);
  EXPECT_FALSE(watch.running());
}

TEST_F(PcscLab, ReaderWatchReportsServiceLostAndBack) {
  EventLog log;
  ReaderWatch watch([&log](const ReaderEvent& e) { log.add(e); });
  ASSERT_TRUE(watch.start().ok());
  ASSERT_TRUE(log.wait(ReaderEvent::Kind::card_inserted, kCitizenReader, 3s));
  ASSERT_EQ(lab("pcscd stop"), 0);
  EXPECT_TRUE(log.wait(ReaderEvent::Kind::service_lost, "", 3s));
  EXPECT_TRUE(log.wait(ReaderEvent::Kind::card_removed, kCitizenReader, 1s));
  ASSERT_EQ(lab("pcscd start"), 0);
  EXPECT_TRUE(log.wait(ReaderEvent::Kind::service_back, "", 5s));
  watch.stop();
  ReaderWatch dead([](const ReaderEvent&) {});
  ASSERT_EQ(lab("pcscd stop"), 0);
  auto started = dead.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, "PCSC-NO-SERVICE");
}

TEST_F(PcscLab, DiagnoseJsonCarriesThePcscResults) {
  const std::string path = "/tmp/certwiz-pcsc-diagnose-" + std::to_string(::getpid()) + ".json";
  const std::string cmd = std::string(CERTWIZ_CLI) + " diagnose --lang en --json " + path + " >/dev/null 2>&1 </dev/null";
  std::system(cmd.c_str());  // exit code depends on other modules' checks
  Json j = read_json(path);
  const Json service = result_of(j, "pcsc.service"), readers = result_of(j, "pcsc.readers"), card = result_of(j, "card.atr");
  ASSERT_TRUE(service.is_object()) << j.dump(1).substr(0, 2000);
  EXPECT_EQ(service["status"], "pass");
  EXPECT_EQ(readers["status"], "pass");
  EXPECT_EQ(readers["evidence"]["readers"].size(), 8u);
  EXPECT_EQ(card["status"], "pass");
  EXPECT_EQ(card["evidence"]["cards"][0]["card_type"]["family"], "moica");
  EXPECT_EQ(card["evidence"]["cards"][0]["decoded"]["atr"], kLabAtr);

  ASSERT_EQ(lab("pcscd stop"), 0);
  std::system(cmd.c_str());
  j = read_json(path);
  EXPECT_EQ(result_of(j, "pcsc.service")["status"], "fail");
  EXPECT_EQ(result_of(j, "pcsc.service")["code"], "PCSC-NO-SERVICE");
  EXPECT_NE(result_of(j, "pcsc.service")["remedy"]["en"].get<std::string>().find("pcscd.socket"), std::string::npos);
  EXPECT_EQ(result_of(j, "card.atr")["status"], "skipped");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace certwiz::pcsc

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

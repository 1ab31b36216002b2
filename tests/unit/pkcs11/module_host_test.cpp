// The module host against a deliberately broken module: crashes, aborts, exits and hangs
// in vendor code come back as results; the test process survives them all.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include "checks/pkcs11/module_host.h"
#include "checks/pkcs11/probe.h"
#include "checks/pkcs11/shared_host.h"

namespace certwiz::pkcs11 {
namespace {

using namespace std::chrono_literals;

class FaultModule : public ::testing::Test {
 protected:
  void mode(const char* m) { setenv("FAULT_MODULE_MODE", m, 1); }
  void TearDown() override { unsetenv("FAULT_MODULE_MODE"); }
};

TEST_F(FaultModule, ProbeReadsModuleInfo) {
  mode("ok");
  auto info = probe_module_info(CERTWIZ_TEST_FAULT_MODULE, 5s);
  ASSERT_TRUE(info) << info.error().code << " " << info.error().detail;
  EXPECT_EQ(info->manufacturer, "CertWiz tests");
  EXPECT_EQ(info->description, "fault module");
  EXPECT_EQ(info->library_version, "9.1");
  EXPECT_EQ(info->cryptoki_version, "2.40");
  EXPECT_EQ(info->slot_count, 0u);
}

TEST_F(FaultModule, CrashInVendorCodeIsAResultWithTheSignal) {
  mode("crash");
  // In a sanitizer build the host's ASan would turn the SIGSEGV into exit(1); let the
  // signal through as it would be without ASan (read by the child at its start only).
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string saved = asan ? asan : "";
  setenv("ASAN_OPTIONS", (saved.empty() ? std::string("handle_segv=0") : saved + ":handle_segv=0").c_str(), 1);
  const auto t0 = std::chrono::steady_clock::now();
  auto info = probe_module_info(CERTWIZ_TEST_FAULT_MODULE, 5s);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, "P11-MODULE-CRASHED");
  EXPECT_NE(info.error().detail.find("SIGSEGV"), std::string::npos) << info.error().detail;
  EXPECT_NE(info.error().detail.find("C_GetInfo"), std::string::npos) << info.error().detail;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  if (saved.empty()) unsetenv("ASAN_OPTIONS");
  else setenv("ASAN_OPTIONS", saved.c_str(), 1);
}

TEST_F(FaultModule, AbortIsReportedAsSIGABRT) {
  mode("abort");
  auto info = probe_module_info(CERTWIZ_TEST_FAULT_MODULE, 5s);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, "P11-MODULE-CRASHED");
  EXPECT_NE(info.error().detail.find("SIGABRT"), std::string::npos) << info.error().detail;
}

TEST_F(FaultModule, ExitIsReportedWithItsCode) {
  mode("exit");
  auto info = probe_module_info(CERTWIZ_TEST_FAULT_MODULE, 5s);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, "P11-MODULE-CRASHED");
  EXPECT_NE(info.error().detail.find("code 3"), std::string::npos) << info.error().detail;
}

TEST_F(FaultModule, ASharedHostThatCrashedIsNotHandedOutAgain) {
  // A run shares one host; a crash still ends only that host, and the next check that
  // asks gets a fresh one, as when each check started its own.
  mode("crash");
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string saved = asan ? asan : "";
  setenv("ASAN_OPTIONS", (saved.empty() ? std::string("handle_segv=0") : saved + ":handle_segv=0").c_str(), 1);
  SharedModuleHost share(5s);
  auto first = share.get(CERTWIZ_TEST_FAULT_MODULE);
  ASSERT_TRUE(first) << first.error().detail;
  auto again = share.get(CERTWIZ_TEST_FAULT_MODULE);
  ASSERT_TRUE(again);
  EXPECT_EQ(first->get(), again->get());
  EXPECT_EQ(share.hosts_started(), 1);
  auto info = (*first)->call(Json{{"op", "info"}});
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, "P11-MODULE-CRASHED");
  auto fresh = share.get(CERTWIZ_TEST_FAULT_MODULE);
  ASSERT_TRUE(fresh) << fresh.error().detail;
  EXPECT_NE(first->get(), fresh->get());
  EXPECT_TRUE((*fresh)->alive());
  EXPECT_EQ(share.hosts_started(), 2);
  if (saved.empty()) unsetenv("ASAN_OPTIONS");
  else setenv("ASAN_OPTIONS", saved.c_str(), 1);
}

TEST_F(FaultModule, ASharedHostEndsWithItsLastUser) {
  mode("ok");
  SharedModuleHost share(5s);
  share.expect_user();
  share.expect_user();
  auto host = share.get(CERTWIZ_TEST_FAULT_MODULE);
  ASSERT_TRUE(host) << host.error().detail;
  share.release();
  EXPECT_TRUE(share.running());
  EXPECT_TRUE((*host)->alive());
  share.release();
  EXPECT_FALSE(share.running());
  EXPECT_FALSE((*host)->alive());  // C_Finalize sent, the process waited for
}

TEST_F(FaultModule, HangIsStoppedAfterTheTimeLimit) {
  mode("hang");
  auto host = ModuleHost::start(CERTWIZ_TEST_FAULT_MODULE, 400ms);
  ASSERT_TRUE(host) << host.error().detail;
  const long pid = (*host)->pid();
  ASSERT_GT(pid, 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto info = (*host)->call(Json{{"op", "info"}});
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, "P11-MODULE-HUNG");
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 3s);
  EXPECT_FALSE((*host)->alive());
  EXPECT_NE(kill(static_cast<pid_t>(pid), 0), 0) << "the hung host must be gone";
  // Later requests fail at once with the same reason instead of waiting again.
  const auto t1 = std::chrono::steady_clock::now();
  auto again = (*host)->call(Json{{"op", "slots"}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "P11-MODULE-HUNG");
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 100ms);
}

TEST(ModuleHost, MissingModuleFileIsALoadFailure) {
  auto host = ModuleHost::start("/nonexistent/libHicos_p11v1.so", std::chrono::seconds(5));
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().code, "P11-MODULE-LOAD-FAILED");
}

TEST(ModuleHost, LibraryWithoutPkcs11IsALoadFailure) {
  auto host = ModuleHost::start("libz.so.1", std::chrono::seconds(5));
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().code, "P11-MODULE-LOAD-FAILED");
  EXPECT_NE(host.error().detail.find("C_GetFunctionList"), std::string::npos);
}

TEST(ModuleHost, MissingHostExecutableIsReported) {
  setenv("CERTWIZ_P11HOST", "/nonexistent/certwiz-p11host", 1);
  auto host = ModuleHost::start(CERTWIZ_TEST_FAULT_MODULE, std::chrono::seconds(5));
  unsetenv("CERTWIZ_P11HOST");
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().code, "P11-HOST-MISSING");
}

TEST(ModuleHost, UnknownRequestIsRefusedNotFatal) {
  auto host = ModuleHost::start(CERTWIZ_TEST_FAULT_MODULE, std::chrono::seconds(5));
  ASSERT_TRUE(host);
  auto r = (*host)->call(Json{{"op", "format_the_card"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "P11-HOST-FAILED");
  auto bad = (*host)->call(Json{{"op", "token_info"}, {"slot", "not a number"}});
  ASSERT_FALSE(bad);
  EXPECT_TRUE((*host)->alive());
  EXPECT_TRUE((*host)->call(Json{{"op", "info"}}));
}

}  // namespace
}  // namespace certwiz::pkcs11

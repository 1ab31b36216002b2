// PC/SC error → catalogue code mapping, reader state names, and this OS's remedies.
#include <gtest/gtest.h>

#include <winscard.h>

#include "checks/core/catalogue.h"
#include "checks/pcsc/checks.h"
#include "checks/pcsc/pcsc_client.h"

namespace certwiz::pcsc {
namespace {

TEST(ScardError, ServiceErrorsMapToStableCodes) {
  const Error e = scard_error(SCARD_E_NO_SERVICE, "SCardEstablishContext");
  EXPECT_EQ(e.code, "PCSC-NO-SERVICE");
  EXPECT_EQ(e.detail, "SCardEstablishContext: SCARD_E_NO_SERVICE (0x8010001D)");
  EXPECT_EQ(scard_error(SCARD_E_SERVICE_STOPPED, "x").code, "PCSC-NO-SERVICE");
  EXPECT_EQ(scard_error(SCARD_E_NO_ACCESS, "x").code, "PCSC-ACCESS-DENIED");
  EXPECT_EQ(scard_error(SCARD_E_NO_READERS_AVAILABLE, "x").code, "PCSC-NO-READER");
  EXPECT_EQ(scard_error(SCARD_F_COMM_ERROR, "x", "PCSC-LIST-FAILED").code, "PCSC-SERVICE-ERROR");
  EXPECT_EQ(scard_error(SCARD_E_INVALID_HANDLE, "x", "PCSC-LIST-FAILED").code, "PCSC-LIST-FAILED");
  EXPECT_EQ(scard_error_name(0x12345678), "0x12345678");
}

TEST(ScardError, EveryCodeItProducesIsInTheCatalogue) {
  for (const char* c : {"PCSC-NO-SERVICE", "PCSC-ACCESS-DENIED", "PCSC-NO-READER", "PCSC-SERVICE-ERROR", "PCSC-LIST-FAILED",
                        "PCSC-SECOND-DAEMON", "PCSC-READER-NO-DRIVER", "PCSC-READER-NOT-SEEN", "PCSC-READER-EXCLUSIVE",
                        "PCSC-DRIVER-BROKEN", "CARD-NOT-INSERTED", "CARD-MUTE", "ATR-MALFORMED", "ATR-UNKNOWN-CARD",
                        "ATR-NOT-TAIWAN-CARD"}) {
    const FailureCode* f = find_failure_code(c);
    ASSERT_NE(f, nullptr) << c;
    EXPECT_EQ(f->module, "pcsc");
  }
}

TEST(ReaderStateName, FromEventBits) {
  ReaderState s;
  s.event_state = SCARD_STATE_EMPTY;
  EXPECT_EQ(s.state(), "empty");
  s.event_state = SCARD_STATE_PRESENT | SCARD_STATE_INUSE;
  EXPECT_EQ(s.state(), "inuse");
  EXPECT_TRUE(s.card_present());
  s.event_state = SCARD_STATE_PRESENT | SCARD_STATE_EXCLUSIVE | SCARD_STATE_INUSE;
  EXPECT_EQ(s.state(), "exclusive");
  s.event_state = SCARD_STATE_PRESENT | SCARD_STATE_MUTE;
  EXPECT_EQ(s.state(), "mute");
  EXPECT_FALSE(s.card_present());
}

TEST(PlatformRemedy, LinuxSaysHowToStartPcscd) {
  EXPECT_EQ(os_name(), "linux");
  EXPECT_NE(platform_remedy("PCSC-NO-SERVICE").en.find("systemctl enable --now pcscd.socket"), std::string::npos);
  EXPECT_NE(platform_remedy("PCSC-NO-SERVICE").zh_TW.find("systemctl enable --now pcscd.socket"), std::string::npos);
  EXPECT_TRUE(platform_remedy("CARD-NOT-INSERTED").empty());
  EXPECT_EQ(pcsc_library_version().rfind("pcsc-lite ", 0), 0u);
}

TEST(PcscChecks, DeclaresServiceReadersAndCardInOrder) {
  const auto checks = pcsc_checks(RunOptions{});
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].id, "pcsc.service");
  EXPECT_EQ(checks[1].id, "pcsc.readers");
  EXPECT_EQ(checks[1].depends_on, std::vector<std::string>{"pcsc.service"});
  EXPECT_EQ(checks[2].id, "card.atr");
  EXPECT_EQ(checks[2].depends_on, std::vector<std::string>{"pcsc.readers"});
}

}  // namespace
}  // namespace certwiz::pcsc

// The APDU layer: the read-only allow-list (every forbidden instruction and every
// secure-messaging class byte is refused before the transport sees it), GET RESPONSE
// on 61xx, the resend on 6Cxx, and the trace with response bodies reduced to hashes.
#include <gtest/gtest.h>

#include "checks/card/apdu.h"
#include "tests/unit/card/fake_card.h"

namespace certwiz::card {
namespace {

// Answers every command with the next scripted response; records what it got.
class ScriptedTransport : public CardTransport {
 public:
  explicit ScriptedTransport(std::vector<Bytes> answers, std::vector<Bytes>* sent) : answers_(std::move(answers)), sent_(sent) {}
  Expected<Bytes> transmit(const Bytes& c) override {
    sent_->push_back(c);
    if (answers_.empty()) return Bytes{0x90, 0x00};
    Bytes a = answers_.front();
    answers_.erase(answers_.begin());
    return a;
  }

 private:
  std::vector<Bytes> answers_;
  std::vector<Bytes>* sent_;
};

struct Forbidden {
  std::uint8_t ins;
  const char* name;
};
// The instructions the issue names, and their relatives that write or authenticate.
constexpr Forbidden kForbidden[] = {
    {0x20, "VERIFY"}, {0x21, "VERIFY (odd)"}, {0x24, "CHANGE REFERENCE DATA"}, {0x2C, "RESET RETRY COUNTER"},
    {0xD6, "UPDATE BINARY"}, {0xD7, "UPDATE BINARY (odd)"}, {0xD0, "WRITE BINARY"}, {0xDC, "UPDATE RECORD"},
    {0xD2, "WRITE RECORD"}, {0xE2, "APPEND RECORD"}, {0x0E, "ERASE BINARY"}, {0x2A, "PERFORM SECURITY OPERATION"},
    {0x84, "GET CHALLENGE"}, {0x82, "EXTERNAL AUTHENTICATE"}, {0x88, "INTERNAL AUTHENTICATE"}, {0x86, "GENERAL AUTHENTICATE"},
    {0x22, "MANAGE SECURITY ENVIRONMENT"}, {0x46, "GENERATE ASYMMETRIC KEY PAIR"}, {0xE0, "CREATE FILE"}, {0xE4, "DELETE FILE"},
    {0x44, "ACTIVATE FILE"}, {0x04, "DEACTIVATE FILE"}, {0xDA, "PUT DATA"}, {0x50, "INITIALIZE UPDATE (GP)"},
};

TEST(ApduAllowList, EveryWriteOrAuthenticationInstructionIsRefusedBeforeTheReader) {
  for (const auto& f : kForbidden) {
    std::vector<Bytes> sent;
    ApduChannel channel(std::make_unique<ScriptedTransport>(std::vector<Bytes>{}, &sent));
    for (std::uint8_t cla : {std::uint8_t{0x00}, std::uint8_t{0x80}}) {
      auto r = channel.send(Command{cla, f.ins, 0x00, 0x81, {0x31, 0x32, 0x33, 0x34, 0x35, 0x36}, std::nullopt}, "test");
      ASSERT_FALSE(r.ok()) << f.name;
      EXPECT_EQ(r.error().code, "CARD-READ-REFUSED-APDU") << f.name;
    }
    EXPECT_TRUE(sent.empty()) << f.name << " reached the reader";
    EXPECT_EQ(channel.apdu_count(), 0u);
  }
}

TEST(ApduAllowList, OnlySelectReadAndGetInstructionsPass) {
  std::vector<int> allowed;
  for (int ins = 0; ins < 256; ++ins)
    if (!read_only_refusal(Bytes{0x00, static_cast<std::uint8_t>(ins), 0, 0})) allowed.push_back(ins);
  EXPECT_EQ(allowed, (std::vector<int>{0xA4, 0xB0, 0xB1, 0xB2, 0xB3, 0xC0, 0xCA, 0xCB}));
}

TEST(ApduAllowList, SecureMessagingChainingAndFurtherClassesAreRefused) {
  std::vector<Bytes> sent;
  ApduChannel channel(std::make_unique<ScriptedTransport>(std::vector<Bytes>{}, &sent));
  std::vector<int> passing;
  for (int cla = 0; cla < 256; ++cla) {
    auto r = channel.send(Command{static_cast<std::uint8_t>(cla), 0xB0, 0, 0, {}, 16}, "test");
    if (r.ok()) passing.push_back(cla);
    else EXPECT_EQ(r.error().code, "CARD-READ-REFUSED-APDU");
  }
  // Plain interindustry (00-03) and HiCOS gen1's proprietary 80-83; never 04/08/0C
  // (secure messaging), 10 (chaining), 40-7F (further interindustry), 8C, FF.
  EXPECT_EQ(passing, (std::vector<int>{0x00, 0x01, 0x02, 0x03, 0x80, 0x81, 0x82, 0x83}));
  EXPECT_EQ(sent.size(), passing.size());
}

TEST(ApduChannel, FollowsGetResponseOn61xx) {
  std::vector<Bytes> sent;
  ApduChannel channel(std::make_unique<ScriptedTransport>(
      std::vector<Bytes>{{0x61, 0x03}, {0x01, 0x02, 0x61, 0x01}, {0x03, 0x90, 0x00}}, &sent));
  auto r = channel.send(Command{0x00, 0xB0, 0, 0, {}, 3}, "test");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->data, (Bytes{0x01, 0x02, 0x03}));
  EXPECT_EQ(r->sw, kSwOk);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1], (Bytes{0x00, 0xC0, 0x00, 0x00, 0x03}));
  EXPECT_EQ(sent[2], (Bytes{0x00, 0xC0, 0x00, 0x00, 0x01}));
}

TEST(ApduChannel, ResendsWithTheCardsLeOn6Cxx) {
  std::vector<Bytes> sent;
  ApduChannel channel(std::make_unique<ScriptedTransport>(std::vector<Bytes>{{0x6C, 0x05}, {1, 2, 3, 4, 5, 0x90, 0x00}}, &sent));
  auto r = channel.send(Command{0x80, 0xB0, 0, 0, {}, 200}, "test");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 5u);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1], (Bytes{0x80, 0xB0, 0x00, 0x00, 0x05}));
}

TEST(ApduChannel, AnAnswerWithoutStatusWordIsNoAnswer) {
  std::vector<Bytes> sent;
  ApduChannel channel(std::make_unique<ScriptedTransport>(std::vector<Bytes>{{0x90}}, &sent));
  auto r = channel.send(Command{0x00, 0xA4, 0x00, 0x00, {0x3F, 0x00}, std::nullopt}, "select");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "CARD-READ-NO-ANSWER");
}

TEST(ApduChannel, EndlessGetResponseIsCutOff) {
  std::vector<Bytes> answers(100, Bytes{0xAA, 0x61, 0x01});
  std::vector<Bytes> sent;
  ApduChannel channel(std::make_unique<ScriptedTransport>(answers, &sent));
  auto r = channel.send(Command{0x00, 0xB0, 0, 0, {}, 1}, "test");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "CARD-READ-FAILED");
  EXPECT_LE(sent.size(), 70u);
}

TEST(ApduTrace, RedactedTraceKeepsHashesNotBodies) {
  std::vector<Bytes> sent;
  ApduChannel channel(std::make_unique<ScriptedTransport>(std::vector<Bytes>{{0x30, 0x03, 0x41, 0x42, 0x43, 0x90, 0x00}}, &sent));
  ASSERT_TRUE(channel.send(Command{0x80, 0xB0, 0, 0, {}, 5}, "certificate").ok());
  const Json redacted = trace_to_json(channel.trace(), true);
  const Json full = trace_to_json(channel.trace(), false);
  EXPECT_EQ(redacted[0]["command"], "80 B0 00 00 05");
  EXPECT_EQ(redacted[0]["sw"], "90 00");
  // sha256("0\x03ABC")
  EXPECT_EQ(redacted[0]["response"].get<std::string>().rfind("sha256:", 0), 0u);
  EXPECT_NE(redacted[0]["response"].get<std::string>().find("(5 bytes)"), std::string::npos);
  EXPECT_EQ(redacted.dump().find("41 42 43"), std::string::npos);
  EXPECT_EQ(full[0]["response"], "30 03 41 42 43");
}

}  // namespace
}  // namespace certwiz::card

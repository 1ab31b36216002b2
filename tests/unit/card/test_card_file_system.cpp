// Reading a whole card through the APDU layer: gen1 and gen2 layouts, class-byte
// fallback, 61xx and 69 87 answers, a CDF pointing past the end of 08F2, garbage CDF
// records, a foreign card and a card removed mid-read, each with its own outcome.
#include <gtest/gtest.h>

#include "checks/card/card_file_system.h"
#include "tests/unit/card/fake_card.h"

namespace certwiz::card {
namespace {

using namespace testing;

const Bytes kSign{0x53, 0x49, 0x47, 0x4E}, kKeyx{0x4B, 0x45, 0x59, 0x58};

// Gen1 as the facts file describes one real card: four certificates at 0x0000, 0x0700,
// 0x0E00 and 0x1500 of 08F2.
struct Gen1Card {
  std::vector<Bytes> certs{fake_certificate(0x608, 1), fake_certificate(0x5F0, 2), fake_certificate(0x6FF, 3), fake_certificate(0x520, 4)};
  std::vector<std::uint32_t> offsets{0x0000, 0x0700, 0x0E00, 0x1500};

  std::unique_ptr<FakeCard> make(std::optional<std::uint32_t> last_length = std::nullopt, Bytes extra_cdf = {}) const {
    auto card = std::make_unique<FakeCard>();
    Bytes data(0x1C00, 0xFF);
    Bytes cdf;
    const char* labels[] = {"SIGN", "KEYX", "CA 1", "CA 2"};
    const Bytes ids[] = {kSign, kKeyx, {0x43, 0x41, 0x00}, {0x43, 0x41, 0x01}};
    for (size_t i = 0; i < certs.size(); ++i) {
      std::copy(certs[i].begin(), certs[i].end(), data.begin() + offsets[i]);
      const std::uint32_t len = i + 1 == certs.size() && last_length ? *last_length : static_cast<std::uint32_t>(certs[i].size());
      cdf = cat({cdf, cdf_record(labels[i], ids[i], i >= 2, path_of({0x3F, 0x00, 0x50, 0x30, 0x08, 0xF2}, offsets[i], len))});
      if (i == 0) cdf = cat({cdf, extra_cdf});
    }
    card->files["3F00/5030/4104"] = cat({cdf, Bytes(300, 0x00)});
    card->files["3F00/5030/5032"] = cat({token_info("TP07240513190395", "HiCOS PKI Smart Card"), Bytes(64, 0x00)});
    card->files["3F00/5030/08F2"] = data;
    card->files["3F00/5030/4100"] = Bytes(32, 0);
    return card;
  }
};

// The card stays the test's (to look at what it received); the channel gets a view of it.
class CardView : public CardTransport {
 public:
  explicit CardView(FakeCard& card) : card_(card) {}
  Expected<Bytes> transmit(const Bytes& c) override { return card_.transmit(c); }

 private:
  FakeCard& card_;
};

Expected<CardContents> read(FakeCard& card) {
  ApduChannel channel(std::make_unique<CardView>(card));
  return read_card_contents(channel);
}

TEST(CardFileSystem, Gen1ReadsEveryCertificateWithClass80AndAtMost200Bytes) {
  Gen1Card g;
  auto owned = g.make();
  FakeCard* card = owned.get();
  ApduChannel channel(std::make_unique<CardView>(*owned));
  auto c = read_card_contents(channel);
  ASSERT_TRUE(c.ok()) << c.error().code << " " << c.error().detail;
  EXPECT_EQ(c->generation, Generation::gen1);
  ASSERT_TRUE(c->token_info.has_value());
  EXPECT_EQ(c->token_info->serial, "TP07240513190395");
  ASSERT_EQ(c->certificates.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c->certificates[i].der, g.certs[i]) << i;
    EXPECT_TRUE(c->certificates[i].problem.empty()) << c->certificates[i].problem;
  }
  EXPECT_TRUE(c->certificates[2].record.authority);
  size_t reads = 0;
  for (const auto& cmd : card->received) {
    if (cmd[1] == 0xA4 && cmd[2] == 0x04) continue;  // the gen2 probe by AID
    EXPECT_EQ(cmd[0], 0x80);
    if (cmd[1] == 0xB0) {
      ++reads;
      EXPECT_LE(cmd[4], 200);
      EXPECT_NE(cmd[4], 0);
    }
  }
  // 08F2 is selected once for all four certificates, each read in ceil(len/200) chunks.
  size_t selects_08f2 = 0;
  for (const auto& cmd : card->received)
    if (cmd[1] == 0xA4 && cmd.size() >= 7 && cmd[5] == 0x08 && cmd[6] == 0xF2) ++selects_08f2;
  EXPECT_EQ(selects_08f2, 1u);
  EXPECT_EQ(channel.apdu_count(), card->received.size());
  EXPECT_LT(reads, 50u);
}

TEST(CardFileSystem, Gen1CardThatOnlyAnswersClass00) {
  auto card = Gen1Card{}.make();
  card->gen1_cla = 0x00;
  auto c = read(*card);
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->cla, 0x00);
  EXPECT_EQ(c->certificates.size(), 4u);
  EXPECT_FALSE(c->certificates[3].der.empty());
}

TEST(CardFileSystem, DataThroughGetResponseAndSmallerChunksOn6987) {
  auto card = Gen1Card{}.make();
  card->answer_with_61 = true;
  card->max_read = 100;  // 200-byte reads answer 69 87
  FakeCard* raw = card.get();
  auto c = read(*card);
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->certificates[0].der, Gen1Card{}.certs[0]);
  ASSERT_FALSE(c->notes.empty());
  EXPECT_NE(c->notes[0].find("69 87"), std::string::npos);
  bool small = false;
  for (const auto& cmd : raw->received)
    if (cmd[1] == 0xB0 && cmd[4] == 16) small = true;
  EXPECT_TRUE(small);
}

TEST(CardFileSystem, Gen2ReadsThroughTheAppletWithP2_04) {
  auto card = std::make_unique<FakeCard>();
  card->gen = FakeCard::Gen::gen2;
  const Bytes sign = fake_certificate(0x5A0, 9), ca = fake_certificate(0x480, 10);
  card->files["applet/0C01"] = cat({sign, Bytes(20, 0)});
  card->files["applet/0C02"] = ca;
  card->files["applet/4104"] = cat({cdf_record("SIGN", kSign, false, path_of({0x7F, 0xFF, 0x0C, 0x01}, std::nullopt, std::nullopt)),
                                    cdf_record("CA", {0x43, 0x41, 0x00}, true, path_of({0x7F, 0xFF, 0x0C, 0x02}, 0, std::nullopt)),
                                    Bytes(16, 0xFF)});
  FakeCard* raw = card.get();
  auto c = read(*card);
  ASSERT_TRUE(c.ok()) << c.error().code << " " << c.error().detail;
  EXPECT_EQ(c->generation, Generation::gen2);
  EXPECT_FALSE(c->token_info.has_value());  // inferred FID absent: tolerated, noted
  EXPECT_FALSE(c->notes.empty());
  ASSERT_EQ(c->certificates.size(), 2u);
  EXPECT_EQ(c->certificates[0].der, sign);
  EXPECT_EQ(c->certificates[1].der, ca);
  for (const auto& cmd : raw->received) {
    EXPECT_EQ(cmd[0], 0x00);
    if (cmd[1] == 0xA4 && cmd[2] == 0x00) {
      EXPECT_EQ(cmd[3], 0x04);
    }
  }
}

TEST(CardFileSystem, CdfPointingPastTheEndOf08F2IsThatCertificatesOwnProblem) {
  auto card = Gen1Card{}.make(0x0B00);
  auto c = read(*card);  // last entry: 0x1500 + 0x0B00 > 0x1C00
  ASSERT_TRUE(c.ok()) << c.error().detail;
  ASSERT_EQ(c->certificates.size(), 4u);
  EXPECT_FALSE(c->certificates[0].der.empty());
  EXPECT_TRUE(c->certificates[3].der.empty());
  EXPECT_EQ(c->certificates[3].problem_code, "CARD-CERT-OUT-OF-RANGE");
}

TEST(CardFileSystem, GarbageCdfRecordsAreListedAndTheRestRead) {
  const Bytes garbage = cat({tlv(0x30, {0x05, 0x00}), tlv(0xA1, {0x01})});
  auto card = Gen1Card{}.make(std::nullopt, garbage);
  auto c = read(*card);
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->certificates.size(), 4u);
  EXPECT_EQ(c->cdf_problems.size(), 2u);
}

TEST(CardFileSystem, ACdfWithNothingReadableIsMalformed) {
  auto card = Gen1Card{}.make();
  card->files["3F00/5030/4104"] = cat({tlv(0x30, {0x05, 0x00}), Bytes(10, 0)});
  auto c = read(*card);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "CARD-CDF-MALFORMED");
}

TEST(CardFileSystem, ACardWithout5030IsForeign) {
  auto card = std::make_unique<FakeCard>();
  card->gen1_cla = 0x00;
  card->files["3F00/2F00"] = Bytes(10, 1);  // an MF, but no HiCOS DF
  auto c = read(*card);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "CARD-READ-FOREIGN");
  EXPECT_NE(c.error().detail.find("5030 answered 6A 82"), std::string::npos);
}

TEST(CardFileSystem, ACardRemovedMidReadEndsTheReadWithItsCode) {
  auto card = Gen1Card{}.make();
  card->removed_after = 20;
  FakeCard* raw = card.get();
  auto c = read(*card);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "CARD-READ-REMOVED");
  EXPECT_EQ(raw->received.size(), 21u);  // nothing sent after the failure
}

}  // namespace
}  // namespace certwiz::card

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11::wire {
namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    a = sv[0];
    b = sv[1];
  }
  ~Pair() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
};

TEST(Wire, FrameRoundTrip) {
  Pair p;
  ASSERT_TRUE(write_frame(p.a, R"({"op":"hello"})"));
  ASSERT_TRUE(write_frame(p.a, ""));
  std::string out;
  ASSERT_EQ(read_frame(p.b, out), ReadStatus::ok);
  EXPECT_EQ(out, R"({"op":"hello"})");
  ASSERT_EQ(read_frame(p.b, out), ReadStatus::ok);
  EXPECT_EQ(out, "");
}

TEST(Wire, SecretFrameArrivesInASecret) {
  Pair p;
  Secret pin("135790");
  ASSERT_TRUE(write_secret_frame(p.a, pin));
  Secret got;
  ASSERT_EQ(read_secret_frame(p.b, got), ReadStatus::ok);
  EXPECT_EQ(got.reveal(), "135790");
}

TEST(Wire, OversizedSecretFrameIsRefusedAndLeavesNothing) {
  Pair p;
  const std::string big(Secret::kMaxSize + 1, 'x');
  ASSERT_TRUE(write_frame(p.a, big));
  Secret got("left over");
  EXPECT_EQ(read_secret_frame(p.b, got), ReadStatus::error);
  EXPECT_TRUE(got.empty());
}

TEST(Wire, HugeLengthHeaderIsAnError) {
  Pair p;
  const unsigned char header[4] = {0xff, 0xff, 0xff, 0xff};
  ASSERT_EQ(write(p.a, header, 4), 4);
  std::string out;
  EXPECT_EQ(read_frame(p.b, out), ReadStatus::error);
}

TEST(Wire, ReadTimesOutWithoutAnswer) {
  Pair p;
  std::string out;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(read_frame_until(p.b, out, t0 + std::chrono::milliseconds(100)), ReadStatus::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
}

TEST(Wire, PeerClosingIsReported) {
  Pair p;
  close(p.a);
  p.a = -1;
  std::string out;
  EXPECT_EQ(read_frame_until(p.b, out, std::chrono::steady_clock::now() + std::chrono::seconds(1)), ReadStatus::closed);
  EXPECT_FALSE(write_frame(p.b, "x"));  // and no SIGPIPE kills the test
}

TEST(Wire, FrameSplitAcrossWritesIsReassembled) {
  Pair p;
  std::thread writer([fd = p.a] {
    const unsigned char header[4] = {0, 0, 0, 5};
    (void)!write(fd, header, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    (void)!write(fd, header + 2, 2);
    (void)!write(fd, "ab", 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    (void)!write(fd, "cde", 3);
  });
  std::string out;
  EXPECT_EQ(read_frame_until(p.b, out, std::chrono::steady_clock::now() + std::chrono::seconds(2)), ReadStatus::ok);
  EXPECT_EQ(out, "abcde");
  writer.join();
}

TEST(Wire, Base64AndHex) {
  const std::vector<uint8_t> bytes = {0x53, 0x49, 0x47, 0x4e, 0x00, 0xff};
  EXPECT_EQ(hex_encode(bytes), "5349474e00ff");
  EXPECT_EQ(*hex_decode("5349474E00FF"), bytes);
  EXPECT_FALSE(hex_decode("534"));
  EXPECT_FALSE(hex_decode("zz"));
  for (size_t n = 0; n <= bytes.size(); ++n) {
    std::vector<uint8_t> part(bytes.begin(), bytes.begin() + static_cast<long>(n));
    auto back = base64_decode(base64_encode(part));
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, part) << n;
  }
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{'S', 'I', 'G', 'N'}), "U0lHTg==");
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab!="));
}

}  // namespace
}  // namespace certwiz::pkcs11::wire

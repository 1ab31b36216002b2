#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "checks/core/log.h"
#include "checks/core/secret.h"

using namespace certwiz;

TEST(Secret, HoldsBytesMovesAndClears) {
  Secret s("135790");
  EXPECT_EQ(s.reveal(), "135790");
  Secret t = std::move(s);
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  EXPECT_EQ(t.reveal(), "135790");
  t.pop_back();
  EXPECT_EQ(t.reveal(), "13579");
  t.clear();
  EXPECT_TRUE(t.empty());
}

TEST(Secret, ReadsOneLineFromAPipeAndRefusesOverflow) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "246810\r\nrest", 12), 12);
  close(fds[1]);
  Secret s;
  ASSERT_TRUE(read_secret_line(fds[0], s));
  EXPECT_EQ(s.reveal(), "246810");
  close(fds[0]);

  ASSERT_EQ(pipe(fds), 0);
  std::string big(Secret::kMaxSize + 10, 'x');
  std::thread w([&] { (void)!write(fds[1], big.data(), big.size()); close(fds[1]); });
  Secret t;
  EXPECT_FALSE(read_secret_line(fds[0], t));
  EXPECT_TRUE(t.empty());
  w.join();
  close(fds[0]);
}

TEST(Log, EscapesControlCharactersSoEntriesCannotBeForged) {
  Log log;
  log.info("pcsc", "reader\nFAKE 0.0 ms error [pin] x\x01");
  const auto text = log.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_NE(text.find("\\n"), std::string::npos);
  EXPECT_NE(text.find("\\x01"), std::string::npos);
  EXPECT_EQ(log.entries().size(), 1u);
}

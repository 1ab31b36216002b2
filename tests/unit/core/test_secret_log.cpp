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

TEST(Secret, UrlCredentialsAreHiddenWhereverAUrlAppears) {
  EXPECT_EQ(hide_url_credentials("http://alice:s3cret@proxy.corp:3128"), "http://***@proxy.corp:3128");
  EXPECT_EQ(hide_url_credentials("http://alice@10.0.0.1:8080/"), "http://***@10.0.0.1:8080/");
  // The password may itself hold an '@' (percent-encoding is often skipped); the last one counts.
  EXPECT_EQ(hide_url_credentials("socks5h://u:p@ss@h:1080"), "socks5h://***@h:1080");
  // In running text, more than one URL, and the text around them kept.
  EXPECT_EQ(hide_url_credentials("via https://a:b@p1:1 then \"http://c:d@p2:2\" done"),
            "via https://***@p1:1 then \"http://***@p2:2\" done");
  // An '@' after the host belongs to the path or query, not to the user info.
  EXPECT_EQ(hide_url_credentials("https://site.example/a@b?x=c@d"), "https://site.example/a@b?x=c@d");
  // Nothing to hide.
  EXPECT_EQ(hide_url_credentials("http://proxy:3128"), "http://proxy:3128");
  EXPECT_EQ(hide_url_credentials("user@example.com wrote ://"), "user@example.com wrote ://");
  EXPECT_EQ(hide_url_credentials(""), "");
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

// Downloads from an HTTPS server on loopback: success, resume, retries, timeouts,
// hash checks and TLS failures, each ending in its own code.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "installer/download.h"
#include "tests/integration/installer/loopback_server.h"
#include "tests/unit/installer/archive_builder.h"

using namespace certwiz;
using namespace certwiz::installer;
using namespace certwiz::installer::testing;
namespace fs = std::filesystem;

namespace {

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

class DownloadTest : public ::testing::Test {
 protected:
  static inline TempDir* pki_dir = nullptr;
  static inline TestPki pki;
  static void SetUpTestSuite() {
    pki_dir = new TempDir();
    pki = make_test_pki(pki_dir->path());
  }
  static void TearDownTestSuite() {
    delete pki_dir;
    pki_dir = nullptr;
  }
  TempDir tmp;
  LoopbackServer server{pki.server_cert, pki.server_key};
  const std::string body = random_bytes(600 * 1024, 7);
  const std::string body_sha = sha256_hex(body);
  std::string dest = tmp / "cache/pkg.tar.gz";
  DownloadOptions opts() {
    DownloadOptions o;
    o.ca_file = pki.ca_cert;
    o.retry_base_delay = std::chrono::milliseconds(50);
    o.connect_timeout = std::chrono::milliseconds(3000);
    o.low_speed_limit = 1000;
    o.low_speed_time = std::chrono::seconds(2);
    return o;
  }
};

}  // namespace

TEST_F(DownloadTest, SucceedsWithHashAndProgress) {
  server.serve("/pkg", {body});
  auto o = opts();
  std::vector<TransferProgress> seen;
  o.on_progress = [&](const TransferProgress& p) { seen.push_back(p); };
  auto d = download_file(server.url("/pkg"), dest, o, body.size(), body_sha);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(d->sha256, body_sha);
  EXPECT_EQ(d->size, body.size());
  EXPECT_EQ(d->attempts, 1);
  EXPECT_EQ(read_file(dest), body);
  EXPECT_FALSE(fs::exists(dest + ".part"));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().bytes, body.size());
  EXPECT_EQ(seen.back().total, body.size());
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].bytes, seen[i - 1].bytes);
}

TEST_F(DownloadTest, DroppedConnectionResumesWithRangeInsteadOfRestarting) {
  const size_t half = body.size() / 2;
  server.serve("/pkg", {body, half});
  auto d = download_file(server.url("/pkg"), dest, opts(), body.size(), body_sha);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(d->sha256, body_sha);
  EXPECT_EQ(d->attempts, 2);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].range, "");
  EXPECT_EQ(reqs[1].range, "bytes=" + std::to_string(half) + "-");
  // Not restarted: the server sent the file once, not once and a half.
  EXPECT_EQ(server.bytes_sent(), body.size());
}

TEST_F(DownloadTest, CancelledDownloadKeepsPartAndTheNextRunResumesIt) {
  server.serve("/pkg", {body, 0, 0, 500, 200 * 1024});  // stalls after 200 KiB
  auto o = opts();
  o.low_speed_time = std::chrono::seconds(30);
  o.on_progress = [&](const TransferProgress& p) {
    if (p.bytes >= 200 * 1024) o.cancel.cancel();
  };
  auto first = download_file(server.url("/pkg"), dest, o, body.size(), body_sha);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, "INSTALL-CANCELLED");
  ASSERT_TRUE(fs::exists(dest + ".part"));
  const auto part_size = fs::file_size(dest + ".part");
  EXPECT_EQ(part_size, 200u * 1024);

  server.serve("/pkg", {body});
  auto second = download_file(server.url("/pkg"), dest, opts(), body.size(), body_sha);
  ASSERT_TRUE(second) << second.error().code << " " << second.error().detail;
  EXPECT_EQ(second->resumed_from, part_size);
  EXPECT_EQ(second->sha256, body_sha);
  EXPECT_EQ(server.requests().back().range, "bytes=" + std::to_string(part_size) + "-");
}

TEST_F(DownloadTest, NotFoundIsNotRetried) {
  auto d = download_file(server.url("/missing"), dest, opts(), std::nullopt, {});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-DOWNLOAD-NOT-FOUND");
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_FALSE(fs::exists(dest + ".part"));
  EXPECT_FALSE(fs::exists(dest));
}

TEST_F(DownloadTest, ServerErrorIsRetriedThenSucceeds) {
  server.serve("/pkg", {body, 0, 1, 500});
  auto d = download_file(server.url("/pkg"), dest, opts(), body.size(), body_sha);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(d->attempts, 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(DownloadTest, PersistentServerErrorGivesUpAfterTheAttemptLimit) {
  server.serve("/pkg", {body, 0, 100, 503});
  auto o = opts();
  o.max_attempts = 3;
  auto d = download_file(server.url("/pkg"), dest, o, body.size(), body_sha);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-DOWNLOAD-HTTP-ERROR");
  EXPECT_NE(d.error().detail.find("503"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(DownloadTest, StalledServerHitsTheLowSpeedTimeout) {
  server.serve("/pkg", {body, 0, 0, 500, 100 * 1024});
  auto o = opts();
  o.max_attempts = 1;
  const auto t0 = std::chrono::steady_clock::now();
  auto d = download_file(server.url("/pkg"), dest, o, body.size(), body_sha);
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-DOWNLOAD-STALLED");
  EXPECT_LT(secs, 10.0);
  EXPECT_TRUE(fs::exists(dest + ".part")) << "a stalled download keeps its part for a resume";
}

TEST_F(DownloadTest, HashMismatchDeletesTheFile) {
  std::string tampered = body;
  tampered[1000] ^= 1;
  server.serve("/pkg", {tampered});
  auto d = download_file(server.url("/pkg"), dest, opts(), body.size(), body_sha);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-HASH-MISMATCH");
  EXPECT_NE(d.error().detail.find(body_sha), std::string::npos);
  EXPECT_NE(d.error().detail.find(sha256_hex(tampered)), std::string::npos);
  EXPECT_FALSE(fs::exists(dest));
  EXPECT_FALSE(fs::exists(dest + ".part"));
}

TEST_F(DownloadTest, SizeBeyondTheManifestIsStopped) {
  server.serve("/pkg", {body});
  auto d = download_file(server.url("/pkg"), dest, opts(), body.size() - 10, {});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-DOWNLOAD-TOO-LARGE");
  EXPECT_FALSE(fs::exists(dest + ".part"));
}

TEST_F(DownloadTest, UntrustedCertificateIsRefused) {
  server.serve("/pkg", {body});
  auto o = opts();
  o.ca_file = pki.other_ca_cert;
  auto d = download_file(server.url("/pkg"), dest, o, body.size(), body_sha);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-TLS-UNTRUSTED") << d.error().detail;
  o.ca_file.clear();  // the system store does not know the test CA either
  auto sys = download_file(server.url("/pkg"), dest, o, body.size(), body_sha);
  ASSERT_FALSE(sys);
  EXPECT_EQ(sys.error().code, "INSTALL-TLS-UNTRUSTED") << sys.error().detail;
  EXPECT_TRUE(server.requests().empty()) << "no request may go out over an untrusted connection";
}

TEST_F(DownloadTest, CertificateForAnotherHostIsRefused) {
  LoopbackServer wrong(pki.wrong_host_cert, pki.wrong_host_key);
  wrong.serve("/pkg", {body});
  auto d = download_file(wrong.url("/pkg"), dest, opts(), body.size(), body_sha);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-TLS-HOSTNAME") << d.error().detail;
  EXPECT_TRUE(wrong.requests().empty());
}

TEST_F(DownloadTest, PlainHttpAndUnreadableCaAreRefused) {
  auto h = download_file("http://127.0.0.1:" + std::to_string(server.port()) + "/pkg", dest, opts());
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, "INSTALL-URL-NOT-HTTPS");
  auto o = opts();
  o.ca_file = tmp / "missing.pem";
  auto c = download_file(server.url("/pkg"), dest, o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "INSTALL-CACERT-UNREADABLE");
}

TEST_F(DownloadTest, NothingListeningIsAConnectError) {
  auto o = opts();
  o.max_attempts = 2;
  auto d = download_file("https://127.0.0.1:1/pkg", dest, o);  // port 1: nothing listens there
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "INSTALL-DOWNLOAD-CONNECT") << d.error().detail;
  EXPECT_NE(d.error().detail.find("after 2 attempts"), std::string::npos) << d.error().detail;
}

TEST_F(DownloadTest, ProxyThatDoesNotAnswerIsAProxyOrConnectError) {
  server.serve("/pkg", {body});
  auto o = opts();
  o.max_attempts = 1;
  o.proxy = "http://127.0.0.1:1";
  auto d = download_file(server.url("/pkg"), dest, o);
  ASSERT_FALSE(d);
  EXPECT_TRUE(d.error().code == "INSTALL-DOWNLOAD-PROXY" || d.error().code == "INSTALL-DOWNLOAD-CONNECT") << d.error().code;
  EXPECT_TRUE(server.requests().empty()) << "the explicit proxy was bypassed";
}

// Resume (issue 15 item 3): a server that ignores Range, and a file that changed on the
// server between two runs, both end with exactly the server's current file.

TEST_F(DownloadTest, ServerIgnoringRangeIsRestartedFromZeroNotReportedUnreachable) {
  const size_t half = body.size() / 2;
  Served s{body, half};  // the first answer drops halfway ...
  s.ignore_range = true;  // ... and the resume's Range is ignored (200 and the whole file)
  server.serve("/pkg", s);
  auto d = download_file(server.url("/pkg"), dest, opts(), body.size(), body_sha);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(d->sha256, body_sha);
  EXPECT_EQ(read_file(dest), body);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].range, "bytes=" + std::to_string(half) + "-");
  EXPECT_EQ(server.bytes_sent(), half + body.size()) << "the whole file is taken from the 200 answer";
}

TEST_F(DownloadTest, PartFromAnEarlierRunAndAServerIgnoringRangeStillEndsWithTheFile) {
  Served first{body, 0, 0, 500, 200 * 1024};
  server.serve("/pkg", first);
  auto o = opts();
  o.low_speed_time = std::chrono::seconds(30);
  o.on_progress = [&](const TransferProgress& p) {
    if (p.bytes >= 200 * 1024) o.cancel.cancel();
  };
  ASSERT_FALSE(download_file(server.url("/pkg"), dest, o, std::nullopt, body_sha));
  ASSERT_EQ(fs::file_size(dest + ".part"), 200u * 1024);
  Served ignoring{body};
  ignoring.ignore_range = true;
  server.serve("/pkg", ignoring);
  auto d = download_file(server.url("/pkg"), dest, opts(), std::nullopt, body_sha);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(d->sha256, body_sha);
  EXPECT_EQ(d->attempts, 1);
}

// First run: the server has `body` under one validator and stalls; the user cancels after
// 200 KiB. Second run: the server has `v2` under another (or the same) validator.
class ChangedFileTest : public DownloadTest {
 protected:
  const std::string v2 = random_bytes(600 * 1024, 8);  // same size, other bytes
  Expected<DownloadedFile> run_twice(const std::string& v1_tag, const std::string& v2_tag, bool etag) {
    Served first{body, 0, 0, 500, 200 * 1024};
    (etag ? first.etag : first.last_modified) = v1_tag;
    server.serve("/pkg", first);
    auto o = opts();
    o.low_speed_time = std::chrono::seconds(30);
    o.on_progress = [&](const TransferProgress& p) {
      if (p.bytes >= 200 * 1024) o.cancel.cancel();
    };
    auto cancelled = download_file(server.url("/pkg"), dest, o);  // no hash, no size: as the shipped manifest
    EXPECT_FALSE(cancelled);
    EXPECT_EQ(fs::file_size(dest + ".part"), 200u * 1024);
    Served second{v2};
    (etag ? second.etag : second.last_modified) = v2_tag;
    server.serve("/pkg", second);
    return download_file(server.url("/pkg"), dest, opts());
  }
};

TEST_F(ChangedFileTest, NewETagMeansTheWholeNewFileNotTheOldStartJoinedToIt) {
  auto d = run_twice("\"v1\"", "\"v2\"", true);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(d->sha256, sha256_hex(v2));
  EXPECT_EQ(read_file(dest), v2);
  EXPECT_EQ(d->resumed_from, 0u);
  const auto last = server.requests().back();
  EXPECT_EQ(last.range, "bytes=" + std::to_string(200 * 1024) + "-");
  EXPECT_EQ(last.if_range, "\"v1\"") << "the resume must say which version its bytes came from";
}

TEST_F(ChangedFileTest, NewLastModifiedMeansTheWholeNewFile) {
  auto d = run_twice("Tue, 01 Dec 2026 08:00:00 GMT", "Wed, 02 Dec 2026 08:00:00 GMT", false);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(read_file(dest), v2);
  EXPECT_EQ(server.requests().back().if_range, "Tue, 01 Dec 2026 08:00:00 GMT");
}

TEST_F(ChangedFileTest, SameETagResumesWhereItStopped) {
  // v2 served under v1's tag: the server says it is the same file, so it is resumed.
  auto d = run_twice("\"same\"", "\"same\"", true);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(d->resumed_from, 200u * 1024);
  EXPECT_EQ(server.requests().back().if_range, "\"same\"");
  EXPECT_EQ(read_file(dest).substr(0, 200 * 1024), body.substr(0, 200 * 1024));
}

TEST_F(ChangedFileTest, NoValidatorAndNoHashStartsOver) {
  // Nothing tells whether the server's file is the one the .part came from: never joined.
  auto d = run_twice("", "", true);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_EQ(read_file(dest), v2);
  EXPECT_EQ(d->resumed_from, 0u);
  EXPECT_EQ(server.requests().back().range, "") << "a Range request without a validator";
}

TEST_F(DownloadTest, ResultNamesTheServerCertificate) {
  server.serve("/pkg", {body});
  auto d = download_file(server.url("/pkg"), dest, opts(), body.size(), body_sha);
  ASSERT_TRUE(d) << d.error().code << " " << d.error().detail;
  EXPECT_NE(d->tls_subject.find("CN = server"), std::string::npos) << "subject: '" << d->tls_subject << "' issuer: '" << d->tls_issuer << "'";
  EXPECT_NE(d->tls_issuer.find("CertWiz Installer Test CA"), std::string::npos) << d->tls_issuer;
  EXPECT_EQ(d->evidence()["tls_subject"], d->tls_subject);
}

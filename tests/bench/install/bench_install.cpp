// bench_install: CertWiz's download + SHA-256 + unpack of a package from an HTTPS server
// on loopback, against `curl -o` followed by `bsdtar -xf` on the same file. Prints the
// time ratio and peak memory (ru_maxrss of the process doing the work) for a 20 MB and
// a 60 MB package, to show that CertWiz's memory stays flat as packages grow.
//
// Usage: bench_install [sizes in MB...]          (default: 20 60)
// The work runs in a child process (this binary re-executed with --child) so the
// server's copy of the package does not count in the measured peak memory.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "installer/download.h"
#include "installer/unpack.h"
#include "tests/integration/installer/loopback_server.h"
#include "tests/unit/installer/archive_builder.h"

using namespace certwiz::installer;
using namespace certwiz::installer::testing;
namespace fs = std::filesystem;

namespace {

struct Run {
  double seconds = 0;
  long maxrss_kb = 0;
  int exit_code = -1;
};

// Runs argv, waits, and reports wall time and the child's own peak RSS.
Run timed(const std::vector<std::string>& argv) {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  Run r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.maxrss_kb = ru.ru_maxrss;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Random-ish: half incompressible bytes, half repetitive text, in 64 KiB runs.
void make_package(const std::string& path, size_t target_mb) {
  std::mt19937_64 rng(42);
  std::vector<ArchiveItem> items;
  const size_t files = std::max<size_t>(4, target_mb / 2);
  // About 1.2 x the target unpacked, so the compressed package comes out near target_mb.
  const size_t per_file = target_mb * 1229 * 1024 / files;
  for (size_t i = 0; i < files; ++i) {
    std::string data;
    data.reserve(per_file * 5 / 4);
    while (data.size() < per_file) {
      std::string block(64 * 1024, '\0');
      for (size_t j = 0; j < block.size(); j += 8) {
        const std::uint64_t v = rng();
        std::memcpy(&block[j], &v, 8);
      }
      data += block;
      for (int k = 0; k < 400; ++k) data += "HiPKILocalSignServer version 1.3.4.3 line " + std::to_string(k) + "\n";
    }
    items.push_back({ArchiveItem::Kind::file, "HiPKILocalSignServerApp/data/part" + std::to_string(i) + ".bin", data});
  }
  write_archive(path, ArchiveFormat::tar_gz, items);
}

int child(int argc, char** argv) {
  if (argc != 7) return 3;
  const std::string url = argv[2], dest = argv[3], ca = argv[4], sha = argv[5], out = argv[6];
  DownloadOptions o;
  o.ca_file = ca;
  auto d = download_file(url, dest, o, std::nullopt, sha);
  if (!d) {
    std::fprintf(stderr, "download: %s %s\n", d.error().code.c_str(), d.error().detail.c_str());
    return 1;
  }
  fs::create_directories(out);
  auto u = unpack_archive(dest, out);
  if (!u) {
    std::fprintf(stderr, "unpack: %s %s\n", u.error().code.c_str(), u.error().detail.c_str());
    return 2;
  }
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--child") == 0) return child(argc, argv);
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::stoul(argv[i]));
  if (sizes.empty()) sizes = {20, 60};
  TempDir tmp;
  const TestPki pki = make_test_pki(tmp.path());
  LoopbackServer server(pki.server_cert, pki.server_key);
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::printf("%-8s %-10s %-12s %-12s %-8s %-14s %-14s\n", "package", "size", "certwiz s", "curl+bsdtar s", "ratio",
              "certwiz RSS", "curl/bsdtar RSS");
  int status = 0;
  for (size_t mb : sizes) {
    const std::string pkg = tmp / ("pkg-" + std::to_string(mb) + ".tar.gz");
    // Built in a child and served from the file: this process must stay small, because a
    // child's ru_maxrss includes the peak of the process it was forked from.
    if (const pid_t maker = fork(); maker == 0) {
      make_package(pkg, mb);
      _exit(0);
    } else {
      waitpid(maker, nullptr, 0);
    }
    const std::string sha = sha256_file(pkg);
    const auto package_size = fs::file_size(pkg);
    const std::string path = "/pkg-" + std::to_string(mb) + ".tar.gz";
    Served served;
    served.file = pkg;
    server.serve(path, served);
    std::vector<double> ours, theirs;
    long ours_rss = 0, downloader_rss = 0, bsdtar_rss = 0;
    for (int rep = 0; rep < 3; ++rep) {
      const std::string work = tmp / ("w" + std::to_string(rep));
      fs::remove_all(work);
      fs::create_directories(work + "/a");
      fs::create_directories(work + "/b");
      Run c = timed({self, "--child", server.url(path), work + "/a/pkg.tar.gz", pki.ca_cert, sha, work + "/a/out"});
      if (c.exit_code != 0) {
        std::fprintf(stderr, "certwiz run failed (%d)\n", c.exit_code);
        status = 1;
      }
      Run dl = timed({"curl", "-sS", "--fail", "--cacert", pki.ca_cert, "-o", work + "/b/pkg.tar.gz", server.url(path)});
      fs::create_directories(work + "/b/out");
      Run x = timed({"bsdtar", "-xf", work + "/b/pkg.tar.gz", "-C", work + "/b/out"});
      if (dl.exit_code != 0 || x.exit_code != 0) {
        std::fprintf(stderr, "curl (%d) or bsdtar (%d) failed\n", dl.exit_code, x.exit_code);
        status = 1;
      }
      // A fair comparison: the reference also has to check the hash, in a second pass.
      const auto t0 = std::chrono::steady_clock::now();
      const bool same = sha256_file(work + "/b/pkg.tar.gz") == sha;
      const double hash_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!same) status = 1;
      ours.push_back(c.seconds);
      theirs.push_back(dl.seconds + x.seconds + hash_s);
      ours_rss = std::max(ours_rss, c.maxrss_kb);
      downloader_rss = std::max(downloader_rss, dl.maxrss_kb);
      bsdtar_rss = std::max(bsdtar_rss, x.maxrss_kb);
      fs::remove_all(work);
    }
    const double o = median(ours), t = median(theirs);
    char size[32], rss1[32], rss2[32];
    std::snprintf(size, sizeof size, "%.1f MB", static_cast<double>(package_size) / (1024.0 * 1024.0));
    std::snprintf(rss1, sizeof rss1, "%.1f MB", static_cast<double>(ours_rss) / 1024.0);
    std::snprintf(rss2, sizeof rss2, "%.1f/%.1f MB", static_cast<double>(downloader_rss) / 1024.0,
                  static_cast<double>(bsdtar_rss) / 1024.0);
    std::printf("%-8s %-10s %-12.3f %-12.3f %-8.2f %-14s %-14s\n", (std::to_string(mb) + "MB").c_str(), size, o, t, o / t,
                rss1, rss2);
    std::fflush(stdout);
  }
  rusage own{};
  getrusage(RUSAGE_SELF, &own);
  std::printf("bench process (server) peak RSS: %.1f MB (the bench itself, for reference)\n",
              static_cast<double>(own.ru_maxrss) / 1024.0);
  std::printf("ratio = certwiz (download + streaming SHA-256 + safe unpack) / (curl -o + bsdtar -xf + sha256 pass); "
              "median of 3; RSS = peak resident memory of the process doing the work\n");
  return status;
}

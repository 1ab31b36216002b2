#include "tests/lab/site/testkit/lab_cards.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace certwiz::site_testkit {
namespace fs = std::filesystem;

std::string lab_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(std::string(name) + " is not set: run inside the lab (tests/lab/lab run)");
  return v;
}

SignerFiles card_files(const std::string& card, const std::string& usage) {
  const std::string d = lab_env("CERTWIZ_LAB_PKI") + "/cards/" + card + "/";
  return {d + usage + ".key", d + usage + ".pem", d + "chain.pem"};
}

nlohmann::json identity(const std::string& card) {
  std::ifstream in(lab_env("CERTWIZ_LAB_IDENTITIES"));
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str()).at("cards").at(card);
}

nlohmann::json lab_card(const std::string& card) {
  std::ifstream in(lab_env("CERTWIZ_LAB_CARDS"));
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str()).at("cards").at(card);
}

std::string tls_ca_file() { return lab_env("CERTWIZ_LAB_PKI") + "/tls/ca.pem"; }

nlohmann::json lab_company_form(const std::string& ubn, const std::string& owner_id, const std::string& citizen,
                                const std::string& business) {
  const auto b = identity("business");
  return {
      {"ubn", ubn},
      {"control_no", b["waste_control_number"]},
      {"password", "Qz7#kLm2pX!w"},
      {"company_name", b["company_name"]},
      {"owner_name", b["responsible_person"]["name"]},
      {"owner_id", owner_id},
      {"reg_address",
       {{"county", b["registered_address"]["county"]},
        {"district", b["registered_address"]["district"]},
        {"street", b["registered_address"]["street"]}}},
      {"mail_address",
       {{"county", b["mailing_address"]["county"]},
        {"district", b["mailing_address"]["district"]},
        {"street", b["mailing_address"]["street"]}}},
      {"contact_name", b["contact"]["name"]},
      {"phone1", b["phone"]},
      {"phone1_ext", b["contact"]["phone_ext"]},
      {"phone2", b["contact"]["mobile"]},
      {"fax", b["fax"]},
      {"email", b["email"]},
      {"citizen_cert_login", citizen},
      {"business_cert_login", business},
  };
}

std::string fresh_ubn() {
  static std::atomic<unsigned> counter{0};
  unsigned seed = static_cast<unsigned>(getpid()) * 7919u +
                  static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()) + counter++ * 104729u;
  static constexpr int kWeights[] = {1, 2, 1, 2, 1, 2, 4, 1};
  for (;; ++seed) {
    std::string u = std::to_string(10000000 + seed % 89999999);
    if (u == "83124560" || u[6] == '7') continue;
    int sum = 0;
    for (int i = 0; i < 8; ++i) {
      int p = (u[static_cast<size_t>(i)] - '0') * kWeights[i];
      sum += p / 10 + p % 10;
    }
    if (sum % 10 == 0) return u;  // valid under both the old and the new rule
  }
}

std::string site_binary() { return lab_env("CERTWIZ_BUILD_DIR") + "/bin/certwiz-site"; }

int run_command(const std::vector<std::string>& argv, std::string& out) {
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  char buf[4096];
  ssize_t n;
  out.clear();
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

SiteProcess::SiteProcess(const std::string& dir, std::vector<std::string> extra, bool fresh_db) {
  fs::create_directories(dir);
  db_ = dir + "/site.db";
  if (fresh_db)
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_ + suffix);
  const std::string pki = lab_env("CERTWIZ_LAB_PKI");
  std::vector<std::string> argv = {site_binary(), "serve", "--db", db_, "--cert", pki + "/tls/server.pem", "--key",
                                   pki + "/tls/server.key", "--bind", "127.0.0.1", "--port", "0", "--anchors",
                                   pki + "/root/ca.pem", "--intermediates", pki + "/moica-g2/ca.pem",
                                   pki + "/moica-g3/ca.pem", pki + "/moeaca/ca.pem", "--site-host", "127.0.0.1",
                                   "--crl-cache", dir + "/crl-cache", "--seed-identities",
                                   lab_env("CERTWIZ_LAB_IDENTITIES")};
  // Every CMS this site judges goes to the lab's oracle too (tests/lab/oracle).
  if (const char* lab = std::getenv("CERTWIZ_LAB_DIR"); lab && *lab) {
    argv.push_back("--capture-cms");
    argv.push_back(std::string(lab) + "/cms-capture");
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
  const std::string log = dir + "/site.log";
  pid_ = fork();
  if (pid_ == 0) {
    dup2(pipefd[1], 1);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) dup2(fd, 2);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  // The first line is "listening on https://127.0.0.1:PORT".
  std::string line;
  char c;
  while (read(pipefd[0], &c, 1) == 1 && c != '\n') line += c;
  close(pipefd[0]);
  const size_t colon = line.rfind(':');
  if (line.rfind("listening on ", 0) != 0 || colon == std::string::npos) {
    kill_hard();
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    throw std::runtime_error("certwiz-site did not start: " + ss.str());
  }
  port_ = std::stoi(line.substr(colon + 1));
}

SiteProcess::~SiteProcess() { stop(std::chrono::seconds(3)); }

bool SiteProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return false;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_hard();
  return false;
}

void SiteProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string SiteProcess::approve(const std::string& application, int valid_days) const {
  std::string out;
  int rc = run_command({site_binary(), "approve", "--db", db_, application, "--valid-days", std::to_string(valid_days)}, out);
  const std::string key = "verification code: ";
  const size_t at = out.find(key);
  if (rc != 0 || at == std::string::npos) throw std::runtime_error("approve failed: " + out);
  return out.substr(at + key.size(), 8);
}

}  // namespace certwiz::site_testkit

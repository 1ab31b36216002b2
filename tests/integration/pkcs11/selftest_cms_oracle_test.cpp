// The self-test's CMS (checks/pkcs11 sign_cms with the card serial, as `certwiz selftest`
// makes it) judged by the lab's independent oracle (tests/lab/oracle/cms_oracle.py,
// python3-asn1crypto + python3-cryptography): one signer, the SIGN certificate, eContent,
// nonce, card serial, chain. It also goes to <lab>/cms-capture, so lab_oracle_captured
// counts it with the site's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "checks/core/secret.h"
#include "checks/pkcs11/cms.h"
#include "checks/pkcs11/inventory.h"
#include "checks/pkcs11/module_host.h"
#include "checks/pkcs11/pin_guard.h"
#include "checks/pkcs11/session.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace certwiz;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string base64(const std::vector<uint8_t>& der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), der.data(), static_cast<int>(der.size()))));
  return out;
}

TEST(SelftestCms, TheIndependentOracleAcceptsTheSelfTestsCms) {
  std::ifstream cards_in(env("CERTWIZ_LAB_CARDS"));
  const json cards = json::parse(std::string(std::istreambuf_iterator<char>(cards_in), {}));
  const json& citizen = cards["cards"]["citizen"];
  auto host = pkcs11::ModuleHost::start(env("CERTWIZ_PKCS11_MODULE"), std::chrono::seconds(20));
  ASSERT_TRUE(host.ok()) << host.error().code << " " << host.error().detail;
  auto inventory = pkcs11::collect_inventory(*host);
  ASSERT_TRUE(inventory.ok());
  auto token = pkcs11::choose_token(*inventory, citizen["reader"].get<std::string>());
  ASSERT_TRUE(token.ok()) << token.error().code;
  auto session = pkcs11::Session::open(*host, (*token)["slot_id"].get<unsigned long>());
  ASSERT_TRUE(session.ok());
  {
    const Secret pin(cards["pin"].get<std::string>());
    pkcs11::PinAttempt login = pkcs11::PinGuard(**session, false).login(pin);
    ASSERT_TRUE(login.logged_in) << (login.error ? login.error->code : "");
  }
  const std::string nonce = "selftest-nonce-" + std::to_string(getpid());
  const std::string tbs = "CertWiz CMS self-test; nonce=" + nonce;
  auto cms = pkcs11::sign_cms(**session, tbs, nonce, true);
  ASSERT_TRUE(cms.ok()) << cms.error().code;
  (*session)->close();

  // One record in the capture directory (the format of certwiz-site --capture-cms).
  const fs::path capture = fs::path(env("CERTWIZ_LAB_DIR")) / "cms-capture";
  fs::create_directories(capture);
  const fs::path record = capture / ("selftest-" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(record);
    out << json{{"endpoint", "selftest"},
                {"cms_base64", base64(*cms)},
                {"tbs", tbs},
                {"nonce", nonce},
                {"site_verdict", "ok"},
                {"expect_card_serial", citizen["serial"]}}
               .dump(1);
  }
  const fs::path der_file = fs::temp_directory_path() / ("selftest-cms-" + std::to_string(getpid()) + ".der");
  const fs::path tbs_file = fs::temp_directory_path() / ("selftest-tbs-" + std::to_string(getpid()) + ".txt");
  std::ofstream(der_file, std::ios::binary).write(reinterpret_cast<const char*>(cms->data()),
                                                  static_cast<std::streamsize>(cms->size()));
  std::ofstream(tbs_file, std::ios::binary) << tbs;
  const std::string cmd = "/usr/bin/python3 " + std::string(CERTWIZ_SOURCE_DIR) + "/tests/lab/oracle/cms_oracle.py --cms " +
                          der_file.string() + " --tbs " + tbs_file.string() + " --nonce " + nonce +
                          " --expect-card-serial " + citizen["serial"].get<std::string>();
  const int rc = std::system(cmd.c_str());
  fs::remove(der_file);
  fs::remove(tbs_file);
  EXPECT_EQ(rc, 0) << cmd;
}

}  // namespace

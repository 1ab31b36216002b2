#include "tests/unit/pkcs11/softhsm_card.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace certwiz::test {
namespace fs = std::filesystem;

int run_command(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

namespace {

void make_key_and_cert(const std::string& base, const char* cn) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key) throw std::runtime_error("RSA key generation failed");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x5349);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("TW"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  X509_sign(x, key, EVP_sha256());
  FILE* f = std::fopen((base + ".key").c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen((base + ".crt").c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen((base + ".pub").c_str(), "w");
  PEM_write_PUBKEY(f, key);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
}

}  // namespace

SoftHsmCard::SoftHsmCard() {
  char tmpl[] = "/tmp/certwiz-softhsm-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  fs::create_directories(dir_ + "/tokens");
  std::ofstream(dir_ + "/softhsm2.conf") << "directories.tokendir = " << dir_ << "/tokens\nobjectstore.backend = file\nlog.level = ERROR\n";
  setenv("SOFTHSM2_CONF", (dir_ + "/softhsm2.conf").c_str(), 1);
  const std::string quiet = " >/dev/null 2>&1";
  if (run_command(std::string("softhsm2-util --init-token --free --label '") + kLabel + "' --so-pin 24680135 --pin " + kPin + quiet) != 0)
    throw std::runtime_error("softhsm2-util --init-token failed");
  make_key_and_cert(dir_ + "/sign", "CertWiz Test SIGN");
  make_key_and_cert(dir_ + "/keyx", "CertWiz Test KEYX");
  const std::string tool = std::string("pkcs11-tool --module ") + kModule + " --token-label '" + kLabel + "' --login --pin " + kPin;
  for (const auto& [file, id, label] : {std::tuple{"sign", "5349474e", "SIGN"}, std::tuple{"keyx", "4b455958", "KEYX"}}) {
    const std::string base = dir_ + "/" + file;
    for (const auto& [ext, type] : {std::pair{".key", "privkey"}, std::pair{".crt", "cert"}, std::pair{".pub", "pubkey"}})
      if (run_command(tool + " --write-object " + base + ext + " --type " + type + " --id " + id + " --label " + label + quiet) != 0)
        throw std::runtime_error(std::string("pkcs11-tool --write-object ") + type + " failed");
    fs::remove(base + ".key");  // the private key lives on the token only
  }
}

SoftHsmCard::~SoftHsmCard() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace certwiz::test

#pragma once
// A card stand-in for unit tests: a SoftHSM2 token in a private directory, holding a
// SIGN and a KEYX RSA-2048 key pair with self-signed certificates made at test time
// (no private key is ever committed). Sets SOFTHSM2_CONF for this process and the
// module hosts it starts.
#include <string>

namespace certwiz::test {

class SoftHsmCard {
 public:
  static constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
  static constexpr const char* kPin = "135790";
  static constexpr const char* kLabel = "HiCOS PKI Smart Card";

  SoftHsmCard();   // throws std::runtime_error when the token cannot be made
  ~SoftHsmCard();  // removes the directory
  const std::string& dir() const { return dir_; }
  std::string sign_cert_pem() const { return dir_ + "/sign.crt"; }

 private:
  std::string dir_;
};

// Runs a shell command; its exit status.
int run_command(const std::string& cmd);

}  // namespace certwiz::test

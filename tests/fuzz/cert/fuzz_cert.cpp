// libFuzzer target: certificate parsing (DER/PEM, names, Taiwan identity extension) and
// the pkcs11.tokens evidence adapter, on any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/cert/card_certs.h"
#include "checks/cert/cert_info.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  using namespace certwiz::cert;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto info = parse_certificate(bytes);
  if (info) {
    (void)to_json(*info).dump();
    // What parsed must parse again from its own DER, to the same identity.
    auto again = parse_certificate(info->der);
    if (!again || again->sha256_fingerprint != info->sha256_fingerprint ||
        again->identity.id_last4 != info->identity.id_last4 || again->identity.ubn != info->identity.ubn)
      __builtin_trap();
  } else if (info.error().code != "CERT-MALFORMED" || info.error().detail.empty()) {
    __builtin_trap();
  }
  const auto json = certwiz::Json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (!json.is_discarded()) {
    auto tokens = card_tokens_from_evidence(json);
    if (!tokens && tokens.error().code != "CERT-MALFORMED") __builtin_trap();
  }
  return 0;
}

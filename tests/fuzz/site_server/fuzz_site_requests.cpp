// libFuzzer target: what the site reads from a request. The body goes to every body
// parser; the same bytes as a cookie header and a bearer header; and, base64-encoded,
// as the signature of a challenge. Any input must give data (a value or a wire
// failure with a known code), never a crash, hang or leak.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/lab/site/cms_check.h"
#include "tests/lab/site/requests.h"

namespace {

template <typename P>
void check(const P& p) {
  if (p.ok()) return;
  if (p.failure.code != "SITE-BODY-MALFORMED" || p.failure.status != 400) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace certwiz::site_server;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check(parse_challenge_request(body));
  check(parse_bind_request(body));
  auto login = parse_login_request(body);
  check(login);
  if (login.ok() && login.value->signature.size() > kMaxBodyBytes) std::abort();
  (void)cookie_value(body, "certwiz_client");
  (void)bearer_token(body);
  (void)well_formed_token(body);

  std::string b64(4 * ((size + 2) / 3) + 1, '\0');
  b64.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), data, static_cast<int>(size))));
  auto cms = check_cms(b64, "CertWiz-Challenge v1\npurpose: login", "nonce");
  if (auto* f = std::get_if<WireFailure>(&cms)) {
    if (f->code.rfind("SITE-CMS-", 0) != 0) std::abort();
  }
  return 0;
}

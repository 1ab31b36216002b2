// Feeds arbitrary bytes, as the body of an answer with a status taken from the first
// byte, to every answer parser of the site client and to the challenge text parser.
// Each must return a value or one of the documented codes, never crash or hang.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "checks/core/catalogue.h"
#include "checks/site/client.h"

namespace {

// What a parser may answer: a wire code (from a well-formed error answer) or one of the
// client's own codes for a bad answer.
bool allowed(const certwiz::Error& e) {
  if (e.code == "SITE-ANSWER-MALFORMED" || e.code == "SITE-ANSWER-TOO-LARGE" || e.code == "SITE-HTTP-ERROR" ||
      e.code == "SITE-CHALLENGE-UNEXPECTED")
    return true;
  return e.code.rfind("SITE-", 0) == 0 && certwiz::find_failure_code(e.code) != nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr long kStatuses[] = {200, 201, 204, 302, 400, 401, 403, 404, 409, 410, 413, 422, 429, 500, 503, 100};
  const long status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace certwiz::site;
  auto check = [](const auto& r) {
    if (!r && !allowed(r.error())) std::abort();
  };
  SiteFailure f;
  check(parse_lookup_answer(status, body, &f));
  check(parse_apply_answer(status, body, &f));
  check(parse_challenge_answer(status, body, &f));
  check(parse_bind_answer(status, body, &f));
  check(parse_login_answer(status, body, &f));
  check(parse_session_answer(status, body, &f));
  check(parse_logout_answer(status, body, &f));
  check(parse_status_answer(status, body, &f));
  if (!allowed(error_from_answer(status, body, &f))) std::abort();
  if (f.fields.size() > 100) std::abort();
  auto tbs = parse_tbs(body);
  if (tbs) {
    // What parses must round-trip to the same bytes: the client signs the text as received.
    if (make_tbs(*tbs) != body) std::abort();
  } else if (tbs.error().code != "SITE-CHALLENGE-UNEXPECTED") {
    std::abort();
  }
  return 0;
}

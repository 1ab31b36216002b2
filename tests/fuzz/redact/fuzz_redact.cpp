// Feeds arbitrary bytes to the redactor as free text (a log), as a certificate subject
// (the DN parser) and as a JSON report tree. It must never crash or hang, and a
// national ID, an address and a phone number standing beside the input must never
// survive, whatever the input does to the text around them.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "checks/report/redact.h"

namespace {

certwiz::report::RedactionOptions options() {
  certwiz::report::RedactionOptions o;
  o.salt = "fuzz";
  o.use_system_identity = false;
  return o;
}

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The planted value must be gone. The input may hold the same characters in a form that is
// not personal data (a bare local number "2345-6789" with no area code is left, by design):
// the input's own copies (it is fed twice) may stay, the planted one may not.
void must_not_keep_planted(const std::string& in, const std::string& out, std::string_view planted) {
  if (count(out, planted) > 2 * count(in, planted)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  certwiz::report::Redactor r(options());
  const std::string out = r.scrub(in + "\n id A123456789 from 192.168.1.23. tel 02-2345-6789 \n" + in);
  must_not_keep_planted(in, out, "A123456789");
  must_not_keep_planted(in, out, "192.168.1.23");
  must_not_keep_planted(in, out, "2345-6789");

  certwiz::Json j = {{"subject", in}, {"issuer", in}, {"subject_key_id", in}, {"note", in}};
  certwiz::report::Redactor(options()).redact_json(j);
  certwiz::Json parsed = certwiz::Json::parse(in, nullptr, false);
  if (!parsed.is_discarded()) certwiz::report::Redactor(options()).redact_json(parsed);
  return 0;
}

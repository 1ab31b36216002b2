// libFuzzer target: the single-field rules on raw bytes. The first byte picks the
// rule, the rest is the field's text, as a user or a pasted document could give it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <string>
#include <string_view>

#include "checks/form/form.h"
#include "checks/form/phone.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace certwiz::form;
  using namespace std::chrono;
  if (size == 0) return 0;
  static const PostalDirectory postal = [] {
    auto p = PostalDirectory::load_default();
    if (!p) std::abort();
    return std::move(*p);
  }();
  static const std::regex control_no("^[A-Z][0-9A-Z][0-9]{6}$");
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto check = [](const std::optional<Problem>& p) {
    if (p && (!certwiz::find_failure_code(p->code) || p->message.en.empty())) std::abort();
  };
  const Normalised n = normalise_code(text, 64);
  check(n.problem);
  switch (data[0] % 12) {
    case 0: check(normalise_text(text, 120).problem); break;
    case 1: if (n.ok()) check(check_ubn(n.value)); break;
    case 2: if (n.ok()) check(check_person_id(n.value, year{2026} / November / 26)); break;
    case 3: if (n.ok()) check(check_person_id(n.value, year{2031} / January / 2)); break;
    case 4: if (n.ok()) check(check_email(normalise_text(text, 254).value)); break;
    case 5: if (n.ok()) check(check_extension(n.value)); break;
    case 6: if (n.ok()) check(check_control_no(n.value, control_no, "p")); break;
    case 7: {
      const Normalised t = normalise_text(text, 40);
      if (t.ok()) check(parse_tw_phone(t.value).problem);
      break;
    }
    case 8: {
      const PasswordCheck c = check_password(certwiz::Secret(text.substr(0, 256)), PasswordPolicy{}, {"22099131"});
      for (const auto& p : c.problems) check(p);
      break;
    }
    case 9: {
      const Address a = split_address(text, postal);
      if (!a.county.empty() && postal.districts(a.county).empty()) std::abort();
      break;
    }
    case 10: (void)PostalDirectory::parse(text); break;
    case 11: {
      const auto j = certwiz::Json::parse(text, nullptr, false);
      if (!j.is_discarded()) (void)parse_form_profile(j);
      break;
    }
  }
  return 0;
}

// libFuzzer target: the form JSON reader and every rule behind it (check_form_json).
// Any input must give data (errors or a valid form), never a crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "checks/form/form_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace certwiz::form;
  static const FormRules rules = [] {
    auto r = load_form_rules();
    if (!r) std::abort();  // the fuzzer needs the shipped assets
    return std::move(*r);
  }();
  const CheckedForm c = check_form_json(std::string_view(reinterpret_cast<const char*>(data), size), rules);
  // Invariants a user relies on: every error is catalogued and has both languages.
  for (const auto& e : c.errors)
    if (!certwiz::find_failure_code(e.code) || e.message.zh_TW.empty() || e.message.en.empty()) std::abort();
  if (c.ok() && c.validation.values.ubn.size() != 8) std::abort();
  return 0;
}

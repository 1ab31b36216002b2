// The progress file is read back from the user's data folder, which anything may have
// written: every input must give a Progress or one of the two codes, and a loaded form
// never carries a password.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "checks/progress/progress.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = certwiz::progress::parse_progress(text);
  if (!p) {
    const auto& code = p.error().code;
    if (code != "PROGRESS-CORRUPT" && code != "PROGRESS-FOREIGN") std::abort();
    return 0;
  }
  if (!p->form.password.empty()) std::abort();
  // What was read can be written again.
  if (certwiz::progress::progress_json(*p).empty()) std::abort();
  return 0;
}

// libFuzzer target: judge_bytes() on any bytes, under each name that selects a different
// extension check. Any input must end in a verdict (accepted, or rejected with a
// catalogued fail code), never a crash, hang, leak or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "checks/attach/attachment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace certwiz::attach;
  // Small limits so that the fuzzer reaches every branch with small inputs.
  Limits limits;
  limits.max_file_bytes = 1 << 20;
  limits.max_image_pixels = 4'000'000;
  limits.max_image_side = 4000;
  limits.thumbnail_short_side = 4;
  limits.readable_short_side = 16;
  const char* name = (size % 3 == 0) ? "stamped.pdf" : (size % 3 == 1) ? "registration.jpg" : "\xa5\xce\xa6\x4c.png";
  const Verdict v = judge_bytes(std::span<const uint8_t>(data, size), name, limits);
  if (v.rejection) {
    const auto* code = certwiz::find_failure_code(v.rejection->code);
    if (!code || code->severity != certwiz::Severity::fail) std::abort();
  }
  for (const auto& w : v.warnings) {
    const auto* code = certwiz::find_failure_code(w.code);
    if (!code || code->severity != certwiz::Severity::warn) std::abort();
  }
  if (v.accepted() && v.type != FileType::pdf && v.type != FileType::jpeg && v.type != FileType::png) std::abort();
  if (v.accepted() && v.type == FileType::pdf && v.pages < 1) std::abort();
  if (v.accepted() && v.type != FileType::pdf && (v.width < limits.thumbnail_short_side || v.height < limits.thumbnail_short_side))
    std::abort();
  return 0;
}

// libFuzzer target: the CDF / TokenInfo parsers and the record-extent scan on any bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "checks/card/cdf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  using namespace certwiz::card;
  const std::span<const std::uint8_t> in(data, size);
  const CdfParse p = parse_cdf(in);
  if (p.content_length > size) __builtin_trap();
  for (const auto& r : p.records) {
    if (r.path.path.empty() || r.path.path.size() % 2) __builtin_trap();
    (void)r.path.to_string();
  }
  bool complete = false, broken = false;
  if (der_records_extent(in, complete, broken) > size) __builtin_trap();
  if (auto ti = parse_token_info(in); !ti && ti.error().code != "CARD-CDF-MALFORMED") __builtin_trap();
  if (auto n = der_element_length(in); n && *n < 2) __builtin_trap();
  return 0;
}

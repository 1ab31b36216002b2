// libFuzzer target: the ATR decoder, its JSON and identification on any bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "checks/pcsc/atr.h"
#include "checks/pcsc/card_identity.h"

namespace {
const certwiz::pcsc::TaiwanAtrTable& table() {
  static const certwiz::pcsc::TaiwanAtrTable t = [] {
    certwiz::pcsc::TaiwanAtrTable x;
    x.hints.push_back({"MOICA", "moica", {}});
    x.hints.push_back({"CHT", "cht", {}});
    x.list_keywords.push_back("MOICA");
    return x;
  }();
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  using namespace certwiz::pcsc;
  const std::span<const std::uint8_t> atr(data, size);
  auto decoded = decode_atr(atr);
  if (decoded) {
    (void)decoded->to_json().dump();
    // Everything decoded must have consumed exactly the input.
    if (decoded->bytes.size() != size) __builtin_trap();
  } else if (decoded.error().code != "ATR-MALFORMED" || decoded.error().detail.empty()) {
    __builtin_trap();
  }
  (void)identify_card(atr, decoded ? &*decoded : nullptr, table(), nullptr).to_json().dump();
  // The same bytes as text: the hex parser must round-trip what it accepts.
  auto parsed = parse_hex_bytes(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed) {
    auto again = parse_hex_bytes(hex_spaced(*parsed));
    if (!again || *again != *parsed) __builtin_trap();
  }
  return 0;
}

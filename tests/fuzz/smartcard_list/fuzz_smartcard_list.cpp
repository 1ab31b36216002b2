// libFuzzer target: the smartcard_list.txt parser and the ATR pattern matcher.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <vector>

#include "checks/pcsc/atr.h"
#include "checks/pcsc/smartcard_list.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  using namespace certwiz::pcsc;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const SmartcardList list = parse_smartcard_list(text);
  const certwiz::pcsc::Bytes probes[] = {
      {0x3B, 0x95, 0x13, 0x81, 0x01, 0x80, 0x73, 0xFF, 0x01, 0x00, 0x0B},
      {0x3B, 0x8B, 0x80, 0x01, 0x00, 0x31, 0xC1, 0x64, 0x08, 0x40, 0x21, 0x30, 0x00, 0x90, 0x00, 0x57},
      {0x3B},
      {},
  };
  for (const auto& atr : probes) (void)list.match(atr);
  // Kept only for the cards in the readers (what card.atr does): the same answer for those
  // ATRs and the same problems as the whole list.
  const std::vector<certwiz::pcsc::Bytes> in_readers(std::begin(probes), std::begin(probes) + 2);
  const SmartcardList kept = parse_smartcard_list(text, in_readers);
  if (kept.problems != list.problems) __builtin_trap();
  for (const auto& atr : in_readers)
    if (kept.match(atr).size() != list.match(atr).size()) __builtin_trap();
  // Every line as a pattern on its own, matched against itself and a 33-byte ATR text.
  for (const auto& e : list.entries) {
    (void)e.pattern.matches(e.pattern.text());
    (void)e.pattern.matches(std::string_view("3B FF 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
    if (e.descriptions.empty()) __builtin_trap();  // entries without text are dropped
  }
  return 0;
}

#pragma once
// What card an ATR belongs to: the built-in Taiwan table (assets/atr/taiwan.json),
// then the system's smartcard_list.txt, then Taiwan hints in the historical bytes.
// When none of them knows the ATR the answer is "unknown", never a guess.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "checks/pcsc/atr.h"
#include "checks/pcsc/smartcard_list.h"

namespace certwiz::pcsc {

struct TaiwanCardEntry {
  Bytes atr;
  std::string family;      // "moica", "lab", ...
  Text name;
  std::string generation;  // "gen1", "gen2" or "unknown"
  bool generation_verified = true;
  std::string note;
};

struct HistoricalHint {
  std::string text;  // found in the historical bytes' text, case-sensitive
  std::string family;
  Text name;
};

struct TaiwanAtrTable {
  std::vector<TaiwanCardEntry> cards;
  std::vector<HistoricalHint> hints;          // most specific first
  std::vector<std::string> list_keywords;     // smartcard_list descriptions naming a certificate card
  Bytes gen2_applet_aid;

  // Error ATR-MALFORMED is not right for a broken data file: a table that does not
  // load is a programming/packaging error, reported as ENGINE-EXCEPTION with detail.
  static Expected<TaiwanAtrTable> from_json(const Json& j);
  static Expected<TaiwanAtrTable> load(const std::string& path);
};

struct CardIdentity {
  enum class Source { taiwan_table, smartcard_list, historical_hint, none };
  Source source = Source::none;
  bool taiwan_certificate_card = false;  // a card a Taiwan certificate login can use
  std::string family;                    // empty when unknown
  Text name;                             // empty when unknown
  std::string generation = "unknown";
  bool generation_verified = false;
  std::vector<std::string> list_descriptions;  // every matching smartcard_list description

  Json to_json() const;
};

std::string_view source_name(CardIdentity::Source s);

// `decoded` may be null (malformed ATR): then historical hints are not used.
CardIdentity identify_card(std::span<const std::uint8_t> atr, const AtrInfo* decoded, const TaiwanAtrTable& table,
                           const SmartcardList* system_list);

}  // namespace certwiz::pcsc

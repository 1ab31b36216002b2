#include "checks/pcsc/card_identity.h"

#include <algorithm>
#include <fstream>

namespace certwiz::pcsc {

namespace {
Error table_error(std::string detail) { return Error{"ENGINE-EXCEPTION", "Taiwan ATR table: " + std::move(detail)}; }

Text text_of(const Json& j) {
  return Text{j.value("zh_TW", std::string()), j.value("en", std::string())};
}
}  // namespace

Expected<TaiwanAtrTable> TaiwanAtrTable::from_json(const Json& j) {
  try {
    if (!j.is_object()) return table_error("not a JSON object");
    if (j.value("schema_version", 0) != 1) return table_error("unknown schema_version");
    TaiwanAtrTable t;
    for (const auto& c : j.at("cards")) {
      auto atr = parse_hex_bytes(c.at("atr").get<std::string>());
      if (!atr) return table_error("card ATR: " + atr.error().detail);
      TaiwanCardEntry e;
      e.atr = std::move(*atr);
      e.family = c.at("family").get<std::string>();
      e.name = text_of(c.at("name"));
      e.generation = c.value("generation", std::string("unknown"));
      e.generation_verified = c.value("generation_verified", e.generation != "unknown");
      e.note = c.value("note", std::string());
      t.cards.push_back(std::move(e));
    }
    for (const auto& h : j.at("historical_hints"))
      t.hints.push_back(HistoricalHint{h.at("text").get<std::string>(), h.at("family").get<std::string>(), text_of(h.at("name"))});
    for (const auto& k : j.at("list_keywords")) t.list_keywords.push_back(k.get<std::string>());
    auto aid = parse_hex_bytes(j.at("gen2_applet_aid").get<std::string>());
    if (!aid || aid->empty() || aid->size() > 16) return table_error("bad gen2_applet_aid");
    t.gen2_applet_aid = std::move(*aid);
    return t;
  } catch (const Json::exception& e) {
    return table_error(e.what());
  }
}

Expected<TaiwanAtrTable> TaiwanAtrTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return table_error(path + ": cannot be read");
  Json j = Json::parse(in, nullptr, false);
  if (j.is_discarded()) return table_error(path + ": not valid JSON");
  return from_json(j);
}

std::string_view source_name(CardIdentity::Source s) {
  switch (s) {
    case CardIdentity::Source::taiwan_table: return "taiwan-table";
    case CardIdentity::Source::smartcard_list: return "smartcard-list";
    case CardIdentity::Source::historical_hint: return "historical-bytes";
    case CardIdentity::Source::none: return "none";
  }
  return "none";
}

Json CardIdentity::to_json() const {
  Json j;
  j["source"] = source_name(source);
  j["taiwan_certificate_card"] = taiwan_certificate_card;
  if (!family.empty()) j["family"] = family;
  if (!name.empty()) j["name"] = certwiz::to_json(name);
  j["generation"] = generation;
  j["generation_verified"] = generation_verified;
  j["smartcard_list"] = list_descriptions;
  return j;
}

CardIdentity identify_card(std::span<const std::uint8_t> atr, const AtrInfo* decoded, const TaiwanAtrTable& table,
                           const SmartcardList* system_list) {
  CardIdentity id;
  if (system_list)
    for (const auto* e : system_list->match(atr))
      for (const auto& d : e->descriptions) id.list_descriptions.push_back(d);

  for (const auto& c : table.cards) {
    if (std::equal(c.atr.begin(), c.atr.end(), atr.begin(), atr.end())) {
      id.source = CardIdentity::Source::taiwan_table;
      id.taiwan_certificate_card = true;
      id.family = c.family;
      id.name = c.name;
      id.generation = c.generation;
      id.generation_verified = c.generation_verified;
      return id;
    }
  }
  if (!id.list_descriptions.empty()) {
    id.source = CardIdentity::Source::smartcard_list;
    id.name = Text{id.list_descriptions.front(), id.list_descriptions.front()};
    for (const auto& d : id.list_descriptions)
      for (const auto& k : table.list_keywords)
        if (d.find(k) != std::string::npos) id.taiwan_certificate_card = true;
    id.family = id.taiwan_certificate_card ? "taiwan-certificate" : "other";
    return id;
  }
  if (decoded && !decoded->historical.text.empty()) {
    for (const auto& h : table.hints) {
      if (decoded->historical.text.find(h.text) != std::string::npos) {
        id.source = CardIdentity::Source::historical_hint;
        id.taiwan_certificate_card = true;
        id.family = h.family;
        id.name = h.name;
        return id;
      }
    }
  }
  return id;
}

}  // namespace certwiz::pcsc

#include "checks/pkcs11/token.h"

namespace certwiz::pkcs11 {
namespace {

std::optional<unsigned long long> length_field(const Json& t, const char* name) {
  auto it = t.find(name);
  if (it == t.end() || !it->is_number_integer() || it->get<long long>() < 0) return std::nullopt;
  return it->get<unsigned long long>();
}

Json optional_json(const std::optional<unsigned long long>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

const Token* TokenInventory::find(const std::string& reader) const {
  for (const auto& t : tokens)
    if (reader.empty() || t.reader == reader) return &t;
  return nullptr;
}

TokenPin token_pin_from_info(const Json& t) {
  const Json& f = t.contains("flags") ? t["flags"] : Json::object();
  TokenPin p;
  p.min = length_field(t, "min_pin");
  p.max = length_field(t, "max_pin");
  p.count_low = f.value("user_pin_count_low", false);
  p.final_try = f.value("user_pin_final_try", false);
  p.locked = f.value("user_pin_locked", false);
  return p;
}

Json to_json(const TokenPin& p) {
  return Json{{"min", optional_json(p.min)},
              {"max", optional_json(p.max)},
              {"count_low", p.count_low},
              {"final_try", p.final_try},
              {"locked", p.locked}};
}

Json to_json(const Slot& s) {
  Json j = {{"slot_id", s.slot_id}, {"reader", s.reader}, {"manufacturer", s.manufacturer}, {"token_present", s.token_present}};
  if (!s.error.is_null()) j["error"] = s.error;
  if (!s.token_error.is_null()) j["token_error"] = s.token_error;
  if (s.token_initialized) j["token_initialized"] = *s.token_initialized;
  return j;
}

Json to_json(const Token& t) {
  Json certs = Json::array();
  for (const auto& c : t.certificates) certs.push_back(Json{{"id", c.id}, {"label", c.label}, {"der_base64", c.der_base64}});
  Json j = {{"slot_id", t.slot_id},
            {"reader", t.reader},
            {"label", t.label},
            {"manufacturer", t.manufacturer},
            {"model", t.model},
            {"serial", t.serial},
            {"flags", t.flags},
            {"pin", to_json(t.pin)},
            {"mechanisms", t.mechanisms},
            {"certificates", std::move(certs)},
            {"keys", t.keys}};
  if (!t.mechanisms_error.empty()) j["mechanisms_error"] = t.mechanisms_error;
  if (t.error) j["error"] = Json{{"code", t.error->code}, {"detail", t.error->detail}};
  return j;
}

Json to_json(const TokenInventory& inv) {
  Json slots = Json::array();
  for (const auto& s : inv.slots) slots.push_back(to_json(s));
  Json tokens = Json::array();
  for (const auto& t : inv.tokens) tokens.push_back(to_json(t));
  return Json{{"slots", std::move(slots)}, {"tokens", std::move(tokens)}};
}

}  // namespace certwiz::pkcs11

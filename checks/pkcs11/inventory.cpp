#include "checks/pkcs11/inventory.h"

#include "checks/pkcs11/session.h"

namespace certwiz::pkcs11 {

Json pin_state(const Json& t) {
  const Json& f = t.contains("flags") ? t["flags"] : Json::object();
  return Json{{"min", t.contains("min_pin") ? t["min_pin"] : Json(nullptr)},
              {"max", t.contains("max_pin") ? t["max_pin"] : Json(nullptr)},
              {"count_low", f.value("user_pin_count_low", false)},
              {"final_try", f.value("user_pin_final_try", false)},
              {"locked", f.value("user_pin_locked", false)}};
}

Expected<Json> collect_inventory(const std::shared_ptr<ModuleHost>& host) {
  auto listed = host->call(Json{{"op", "slots"}});
  if (!listed) return listed.error();
  Json slots = Json::array();
  Json tokens = Json::array();
  for (const auto& s : (*listed)["slots"]) {
    Json slot = {{"slot_id", s.value("slot_id", 0UL)},
                 {"reader", s.value("description", "")},
                 {"manufacturer", s.value("manufacturer", "")},
                 {"token_present", s.value("token_present", false)}};
    if (s.contains("error")) slot["error"] = s["error"];
    if (s.contains("token_error")) slot["token_error"] = s["token_error"];
    const Json& ti = s.contains("token") ? s["token"] : Json::object();
    // An uninitialised token (a blank SoftHSM2 slot, a card never personalised) holds
    // nothing to test; it stays visible in the slot list.
    if (s.contains("token")) slot["token_initialized"] = ti["flags"].value("token_initialized", false);
    slots.push_back(slot);
    if (!s.contains("token") || !slot["token_initialized"].get<bool>()) continue;
    Json t = {{"slot_id", slot["slot_id"]},
              {"reader", slot["reader"]},
              {"label", ti.value("label", "")},
              {"manufacturer", ti.value("manufacturer", "")},
              {"model", ti.value("model", "")},
              {"serial", ti.value("serial", "")},
              {"flags", ti.contains("flags") ? ti["flags"] : Json::object()},
              {"pin", pin_state(ti)},
              {"mechanisms", Json::array()},
              {"certificates", Json::array()},
              {"keys", Json::array()}};
    auto session = Session::open(host, slot["slot_id"].get<unsigned long>());
    if (!session) {
      t["error"] = Json{{"code", session.error().code}, {"detail", session.error().detail}};
      tokens.push_back(t);
      if (!host->alive()) return session.error();
      continue;
    }
    if (auto mechs = (*session)->mechanisms()) {
      for (const auto& m : *mechs) {
        Json e = {{"name", m.value("name", "")}, {"type", m.value("type", 0UL)}};
        for (const char* k : {"min_key_bits", "max_key_bits", "flags"})
          if (m.contains(k)) e[k] = m[k];
        t["mechanisms"].push_back(e);
      }
    } else {
      t["mechanisms_error"] = mechs.error().detail;
    }
    if (auto objs = (*session)->objects()) {
      for (const auto& c : (*objs)["certificates"])
        t["certificates"].push_back(Json{{"id", c.value("id", "")}, {"label", c.value("label", "")},
                                         {"der_base64", c.value("der_base64", "")}});
      for (const char* cls : {"private_keys", "public_keys"})
        for (Json k : (*objs)[cls]) {
          Json e = {{"class", std::string(cls) == "private_keys" ? "private" : "public"},
                    {"id", k.value("id", "")},
                    {"label", k.value("label", "")}};
          k.erase("id");
          k.erase("label");
          e.update(k);
          t["keys"].push_back(e);
        }
    } else {
      t["error"] = Json{{"code", objs.error().code}, {"detail", objs.error().detail}};
    }
    (*session)->close();
    tokens.push_back(t);
    if (!host->alive()) break;
  }
  return Json{{"slots", slots}, {"tokens", tokens}};
}

Expected<Json> choose_token(const Json& inventory, const std::string& reader) {
  const Json& tokens = inventory.contains("tokens") ? inventory["tokens"] : Json::array();
  if (!reader.empty()) {
    for (const auto& t : tokens)
      if (t.value("reader", "") == reader) return t;
    return Error{"P11-READER-NOT-FOUND", "no token in a reader named \"" + reader + "\""};
  }
  if (tokens.empty()) return Error{"P11-NO-TOKEN", "no slot holds a token"};
  if (tokens.size() > 1) {
    std::string names;
    for (const auto& t : tokens) names += (names.empty() ? "" : ", ") + ("\"" + t.value("reader", "") + "\"");
    return Error{"P11-MULTIPLE-TOKENS", "tokens in " + names};
  }
  return tokens.front();
}

}  // namespace certwiz::pkcs11

#include "checks/pkcs11/inventory.h"

#include "checks/pkcs11/session.h"

namespace certwiz::pkcs11 {
namespace {

// The token's objects and mechanisms through an open session.
void read_objects(Session& session, Token& t) {
  if (auto mechs = session.mechanisms()) {
    for (const auto& m : *mechs) {
      Json e = {{"name", m.value("name", "")}, {"type", m.value("type", 0UL)}};
      for (const char* k : {"min_key_bits", "max_key_bits", "flags"})
        if (m.contains(k)) e[k] = m[k];
      t.mechanisms.push_back(e);
    }
  } else {
    t.mechanisms_error = mechs.error().detail;
  }
  if (auto objs = session.objects()) {
    for (const auto& c : (*objs)["certificates"])
      t.certificates.push_back({c.value("id", ""), c.value("label", ""), c.value("der_base64", "")});
    for (const char* cls : {"private_keys", "public_keys"})
      for (Json k : (*objs)[cls]) {
        Json e = {{"class", std::string(cls) == "private_keys" ? "private" : "public"},
                  {"id", k.value("id", "")},
                  {"label", k.value("label", "")}};
        k.erase("id");
        k.erase("label");
        e.update(k);
        t.keys.push_back(e);
      }
  } else {
    t.error = objs.error();
  }
}

// Which of `readers` to use (see choose_token).
Expected<size_t> choose_index(const std::vector<std::string>& readers, const std::string& reader) {
  if (!reader.empty()) {
    for (size_t i = 0; i < readers.size(); ++i)
      if (readers[i] == reader) return i;
    return Error{"P11-READER-NOT-FOUND", "no token in a reader named \"" + reader + "\""};
  }
  if (readers.empty()) return Error{"P11-NO-TOKEN", "no slot holds a token"};
  if (readers.size() > 1) {
    std::string names;
    for (const auto& r : readers) names += (names.empty() ? "" : ", ") + ("\"" + r + "\"");
    return Error{"P11-MULTIPLE-TOKENS", "tokens in " + names};
  }
  return size_t{0};
}

}  // namespace

Expected<TokenInventory> collect_tokens(const std::shared_ptr<ModuleHost>& host) {
  auto listed = host->call(Json{{"op", "slots"}});
  if (!listed) return listed.error();
  TokenInventory inv;
  for (const auto& s : (*listed)["slots"]) {
    Slot slot;
    slot.slot_id = s.value("slot_id", 0UL);
    slot.reader = s.value("description", "");
    slot.manufacturer = s.value("manufacturer", "");
    slot.token_present = s.value("token_present", false);
    if (s.contains("error")) slot.error = s["error"];
    if (s.contains("token_error")) slot.token_error = s["token_error"];
    const Json& ti = s.contains("token") ? s["token"] : Json::object();
    // An uninitialised token (a blank SoftHSM2 slot, a card never personalised) holds
    // nothing to test; it stays visible in the slot list.
    if (s.contains("token")) slot.token_initialized = ti["flags"].value("token_initialized", false);
    inv.slots.push_back(slot);
    if (!slot.token_initialized.value_or(false)) continue;
    Token t;
    t.slot_id = slot.slot_id;
    t.reader = slot.reader;
    t.label = ti.value("label", "");
    t.manufacturer = ti.value("manufacturer", "");
    t.model = ti.value("model", "");
    t.serial = ti.value("serial", "");
    t.flags = ti.contains("flags") ? ti["flags"] : Json::object();
    t.pin = token_pin_from_info(ti);
    auto session = Session::open(host, t.slot_id);
    if (!session) {
      t.error = session.error();
      inv.tokens.push_back(std::move(t));
      if (!host->alive()) return session.error();
      continue;
    }
    read_objects(**session, t);
    (*session)->close();
    inv.tokens.push_back(std::move(t));
    if (!host->alive()) break;
  }
  return inv;
}

Expected<Json> collect_inventory(const std::shared_ptr<ModuleHost>& host) {
  auto inv = collect_tokens(host);
  if (!inv) return inv.error();
  return to_json(*inv);
}

Expected<Token> choose_token(const TokenInventory& inventory, const std::string& reader) {
  std::vector<std::string> readers;
  for (const auto& t : inventory.tokens) readers.push_back(t.reader);
  auto i = choose_index(readers, reader);
  if (!i) return i.error();
  return inventory.tokens[*i];
}

Expected<Json> choose_token(const Json& inventory, const std::string& reader) {
  const Json& tokens = inventory.contains("tokens") ? inventory["tokens"] : Json::array();
  std::vector<std::string> readers;
  for (const auto& t : tokens) readers.push_back(t.value("reader", ""));
  auto i = choose_index(readers, reader);
  if (!i) return i.error();
  return tokens[*i];
}

}  // namespace certwiz::pkcs11

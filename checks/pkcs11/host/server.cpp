#include "checks/pkcs11/host/server.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "checks/pkcs11/cryptoki.h"

#include "checks/core/secret.h"
#include "checks/pkcs11/host/host_platform.h"
#include "checks/pkcs11/names.h"
#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11::host {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// A request the host cannot act on (bad arguments, missing key): answered, never fatal.
struct Refusal {
  std::string error;
  std::string detail;
};

// A PKCS#11 call that returned something other than CKR_OK.
struct CallFailed {
  std::string fn;
  CK_RV rv;
};

template <size_t N>
std::string padded_text(const unsigned char (&field)[N]) {
  size_t n = N;
  while (n > 0 && (field[n - 1] == ' ' || field[n - 1] == '\0')) --n;
  return std::string(reinterpret_cast<const char*>(field), n);
}

std::string version_text(const CK_VERSION& v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

json token_flags(CK_FLAGS f) {
  return {{"rng", (f & CKF_RNG) != 0},
          {"write_protected", (f & CKF_WRITE_PROTECTED) != 0},
          {"login_required", (f & CKF_LOGIN_REQUIRED) != 0},
          {"user_pin_initialized", (f & CKF_USER_PIN_INITIALIZED) != 0},
          {"protected_authentication_path", (f & CKF_PROTECTED_AUTHENTICATION_PATH) != 0},
          {"token_initialized", (f & CKF_TOKEN_INITIALIZED) != 0},
          {"user_pin_count_low", (f & CKF_USER_PIN_COUNT_LOW) != 0},
          {"user_pin_final_try", (f & CKF_USER_PIN_FINAL_TRY) != 0},
          {"user_pin_locked", (f & CKF_USER_PIN_LOCKED) != 0},
          {"user_pin_to_be_changed", (f & CKF_USER_PIN_TO_BE_CHANGED) != 0},
          {"so_pin_locked", (f & CKF_SO_PIN_LOCKED) != 0},
          {"raw", f}};
}

json mechanism_flags(CK_FLAGS f) {
  json out = json::array();
  const std::pair<CK_FLAGS, const char*> names[] = {
      {CKF_HW, "hw"},           {CKF_ENCRYPT, "encrypt"}, {CKF_DECRYPT, "decrypt"},   {CKF_DIGEST, "digest"},
      {CKF_SIGN, "sign"},       {CKF_VERIFY, "verify"},   {CKF_GENERATE, "generate"}, {CKF_GENERATE_KEY_PAIR, "generate_key_pair"},
      {CKF_WRAP, "wrap"},       {CKF_UNWRAP, "unwrap"},   {CKF_DERIVE, "derive"}};
  for (const auto& [bit, name] : names)
    if (f & bit) out.push_back(name);
  return out;
}

class Server {
 public:
  explicit Server(wire::Channel channel) : fd_(channel) {}

  int run() {
    for (;;) {
      std::string frame;
      const auto st = wire::read_frame(fd_, frame);
      if (st != wire::ReadStatus::ok) break;  // the parent went away: leave quietly
      json request = json::parse(frame, nullptr, false);
      std::string op = request.is_object() && request.contains("op") && request["op"].is_string()
                           ? request["op"].get<std::string>() : std::string();
      calls_ = json::array();
      json answer;
      try {
        answer = handle(op, request);
        answer["ok"] = true;
      } catch (const CallFailed& e) {
        answer = {{"ok", false}, {"error", "call"}, {"fn", e.fn}, {"rv", e.rv}, {"rv_name", rv_name(e.rv)}};
      } catch (const Refusal& e) {
        answer = {{"ok", false}, {"error", e.error}, {"detail", e.detail}};
      } catch (const std::exception& e) {
        answer = {{"ok", false}, {"error", "bad-request"}, {"detail", e.what()}};
      }
      answer["calls"] = std::move(calls_);
      // Vendor strings may be in any encoding: replace what is not UTF-8 instead of failing.
      if (!wire::write_frame(fd_, answer.dump(-1, ' ', false, json::error_handler_t::replace))) break;
      if (op == "finalize") return 0;
    }
    finalize();
    return 0;
  }

 private:
  template <typename F>
  CK_RV timed(const char* fn, F&& call) {
    const auto t0 = Clock::now();
    const CK_RV rv = call();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    calls_.push_back({{"fn", fn}, {"ms", ms}, {"rv", rv_name(rv)}});
    return rv;
  }
  template <typename F>
  void must(const char* fn, F&& call) {
    const CK_RV rv = timed(fn, std::forward<F>(call));
    if (rv != CKR_OK) throw CallFailed{fn, rv};
  }

  void need_module() const {
    if (!f_) throw Refusal{"no-module", "no module loaded"};
  }

  void finalize() {
    if (f_ && initialized_) f_->C_Finalize(nullptr);
    initialized_ = false;
  }

  json handle(const std::string& op, const json& rq) {
    if (op == "login") {
      // The PIN frame follows the request: take it off the socket before anything can
      // fail, so it is never mistaken for the next request.
      Secret pin;
      if (wire::read_secret_frame(fd_, pin) != wire::ReadStatus::ok) throw Refusal{"no-pin", "PIN frame missing or too long"};
      need_module();
      return login(rq.at("session").get<CK_SESSION_HANDLE>(), pin);
    }
    if (op == "hello") return {{"pid", current_process_id()}, {"protocol", 1}};
    if (op == "load") return load(rq.at("path").get<std::string>());
    if (op == "finalize") {
      if (f_ && initialized_) timed("C_Finalize", [&] { return f_->C_Finalize(nullptr); });
      initialized_ = false;
      return json::object();
    }
    need_module();
    if (op == "info") return info();
    if (op == "slots") return slots();
    if (op == "token_info") return {{"token", token(rq.at("slot").get<CK_SLOT_ID>())}};
    if (op == "mechanisms")
      return mechanisms(rq.at("slot").get<CK_SLOT_ID>(), rq.contains("info_for") ? &rq.at("info_for") : nullptr);
    if (op == "open_session") {
      CK_SESSION_HANDLE h = 0;
      const CK_SLOT_ID slot = rq.at("slot").get<CK_SLOT_ID>();
      must("C_OpenSession", [&] { return f_->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h); });
      return {{"session", h}};
    }
    if (op == "close_session") {
      const CK_SESSION_HANDLE h = rq.at("session").get<CK_SESSION_HANDLE>();
      must("C_CloseSession", [&] { return f_->C_CloseSession(h); });
      return json::object();
    }
    if (op == "logout") {
      const CK_SESSION_HANDLE h = rq.at("session").get<CK_SESSION_HANDLE>();
      must("C_Logout", [&] { return f_->C_Logout(h); });
      return json::object();
    }
    if (op == "objects") return objects(rq.at("session").get<CK_SESSION_HANDLE>());
    if (op == "sign" || op == "decrypt") return private_key_op(op, rq);
    throw Refusal{"unknown-op", op};
  }

  json load(const std::string& path) {
    if (dl_) throw Refusal{"already-loaded", "a module is already loaded"};
    std::string why;
    dl_ = load_library(path, why);
    if (!dl_) throw Refusal{"dlopen", why};
    auto get = reinterpret_cast<CK_C_GetFunctionList>(library_symbol(dl_, "C_GetFunctionList"));
    if (!get) throw Refusal{"no-function-list", "C_GetFunctionList not exported by " + path};
    must("C_GetFunctionList", [&] { return get(&f_); });
    if (!f_) throw Refusal{"no-function-list", "C_GetFunctionList gave no function list"};
    CK_C_INITIALIZE_ARGS args;
    std::memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = timed("C_Initialize", [&] { return f_->C_Initialize(&args); });
    if (rv == CKR_CANT_LOCK) rv = timed("C_Initialize", [&] { return f_->C_Initialize(nullptr); });
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      f_ = nullptr;  // nothing else may be called on a module that did not initialise
      throw CallFailed{"C_Initialize", rv};
    }
    initialized_ = true;
    return json::object();
  }

  json info() {
    CK_INFO i;
    std::memset(&i, 0, sizeof i);
    must("C_GetInfo", [&] { return f_->C_GetInfo(&i); });
    return {{"cryptoki_version", version_text(i.cryptokiVersion)},
            {"manufacturer", padded_text(i.manufacturerID)},
            {"description", padded_text(i.libraryDescription)},
            {"library_version", version_text(i.libraryVersion)}};
  }

  json token(CK_SLOT_ID slot) {
    CK_TOKEN_INFO t;
    std::memset(&t, 0, sizeof t);
    must("C_GetTokenInfo", [&] { return f_->C_GetTokenInfo(slot, &t); });
    // PKCS#11 uses CK_UNAVAILABLE_INFORMATION (~0) for "not known".
    auto count = [](CK_ULONG v) { return v == CK_UNAVAILABLE_INFORMATION ? json(nullptr) : json(v); };
    return {{"label", padded_text(t.label)},
            {"manufacturer", padded_text(t.manufacturerID)},
            {"model", padded_text(t.model)},
            {"serial", padded_text(t.serialNumber)},
            {"flags", token_flags(t.flags)},
            {"min_pin", count(t.ulMinPinLen)},
            {"max_pin", count(t.ulMaxPinLen)},
            {"hardware_version", version_text(t.hardwareVersion)},
            {"firmware_version", version_text(t.firmwareVersion)}};
  }

  json slots() {
    CK_ULONG n = 0;
    must("C_GetSlotList", [&] { return f_->C_GetSlotList(CK_FALSE, nullptr, &n); });
    std::vector<CK_SLOT_ID> ids(n);
    if (n) must("C_GetSlotList", [&] { return f_->C_GetSlotList(CK_FALSE, ids.data(), &n); });
    ids.resize(n);
    json out = json::array();
    for (CK_SLOT_ID id : ids) {
      CK_SLOT_INFO s;
      std::memset(&s, 0, sizeof s);
      const CK_RV rv = timed("C_GetSlotInfo", [&] { return f_->C_GetSlotInfo(id, &s); });
      json slot = {{"slot_id", id}};
      if (rv != CKR_OK) {
        slot["error"] = rv_name(rv);
        out.push_back(slot);
        continue;
      }
      slot["description"] = padded_text(s.slotDescription);
      slot["manufacturer"] = padded_text(s.manufacturerID);
      slot["token_present"] = (s.flags & CKF_TOKEN_PRESENT) != 0;
      slot["removable"] = (s.flags & CKF_REMOVABLE_DEVICE) != 0;
      slot["hardware"] = (s.flags & CKF_HW_SLOT) != 0;
      if (s.flags & CKF_TOKEN_PRESENT) {
        try {
          slot["token"] = token(id);
        } catch (const CallFailed& e) {
          // The card may leave between the two calls; report it on the slot, go on.
          slot["token_error"] = rv_name(e.rv);
        }
      }
      out.push_back(slot);
    }
    return {{"slots", out}};
  }

  // `info_for` (an array of mechanism types): C_GetMechanismInfo only for those; the rest
  // are listed by type and name. A token offers dozens of mechanisms, each info one call
  // into the module (and on a card, often one round trip to it).
  json mechanisms(CK_SLOT_ID slot, const json* info_for) {
    CK_ULONG n = 0;
    must("C_GetMechanismList", [&] { return f_->C_GetMechanismList(slot, nullptr, &n); });
    std::vector<CK_MECHANISM_TYPE> types(n);
    if (n) must("C_GetMechanismList", [&] { return f_->C_GetMechanismList(slot, types.data(), &n); });
    types.resize(n);
    json out = json::array();
    for (CK_MECHANISM_TYPE t : types) {
      CK_MECHANISM_INFO mi;
      std::memset(&mi, 0, sizeof mi);
      json m = {{"type", t}, {"name", mechanism_name(t)}};
      const bool wanted = !info_for || std::find(info_for->begin(), info_for->end(), json(t)) != info_for->end();
      if (wanted && timed("C_GetMechanismInfo", [&] { return f_->C_GetMechanismInfo(slot, t, &mi); }) == CKR_OK) {
        m["min_key_bits"] = mi.ulMinKeySize;
        m["max_key_bits"] = mi.ulMaxKeySize;
        m["flags"] = mechanism_flags(mi.flags);
      }
      out.push_back(m);
    }
    return {{"mechanisms", out}};
  }

  json login(CK_SESSION_HANDLE h, Secret& pin) {
    const std::string_view bytes = pin.reveal();
    const CK_RV rv = timed("C_Login", [&] {
      return f_->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(bytes.data())), bytes.size());
    });
    pin.clear();
    if (rv != CKR_OK) throw CallFailed{"C_Login", rv};
    return json::object();
  }

  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl) {
    must("C_FindObjectsInit", [&] { return f_->C_FindObjectsInit(h, tmpl.data(), tmpl.size()); });
    std::vector<CK_OBJECT_HANDLE> out;
    for (;;) {
      CK_OBJECT_HANDLE batch[32];
      CK_ULONG n = 0;
      const CK_RV rv = timed("C_FindObjects", [&] { return f_->C_FindObjects(h, batch, 32, &n); });
      if (rv != CKR_OK) {
        timed("C_FindObjectsFinal", [&] { return f_->C_FindObjectsFinal(h); });
        throw CallFailed{"C_FindObjects", rv};
      }
      out.insert(out.end(), batch, batch + n);
      if (n == 0) break;
    }
    must("C_FindObjectsFinal", [&] { return f_->C_FindObjectsFinal(h); });
    return out;
  }

  // One attribute at a time: a module that refuses one (sensitive, unknown) must not
  // hide the others.
  std::optional<std::vector<uint8_t>> attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (timed("C_GetAttributeValue", [&] { return f_->C_GetAttributeValue(h, o, &a, 1); }) != CKR_OK) return std::nullopt;
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return std::nullopt;
    std::vector<uint8_t> value(a.ulValueLen);
    a.pValue = value.data();
    if (timed("C_GetAttributeValue", [&] { return f_->C_GetAttributeValue(h, o, &a, 1); }) != CKR_OK) return std::nullopt;
    value.resize(a.ulValueLen);
    return value;
  }
  // All wanted attributes of an object in two calls (lengths, then values). Modules
  // that answer a template with one refused attribute badly get one call per attribute.
  std::map<CK_ATTRIBUTE_TYPE, std::vector<uint8_t>> attributes(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                                                               const std::vector<CK_ATTRIBUTE_TYPE>& types) {
    std::map<CK_ATTRIBUTE_TYPE, std::vector<uint8_t>> out;
    std::vector<CK_ATTRIBUTE> tmpl;
    for (CK_ATTRIBUTE_TYPE t : types) tmpl.push_back({t, nullptr, 0});
    const CK_RV rv = timed("C_GetAttributeValue", [&] { return f_->C_GetAttributeValue(h, o, tmpl.data(), tmpl.size()); });
    bool batch = rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID;
    if (batch) {
      std::vector<CK_ATTRIBUTE> present;
      for (const auto& a : tmpl)
        if (a.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
          out[a.type].resize(a.ulValueLen);
          present.push_back({a.type, out[a.type].data(), a.ulValueLen});
        }
      if (!present.empty() &&
          timed("C_GetAttributeValue", [&] { return f_->C_GetAttributeValue(h, o, present.data(), present.size()); }) != CKR_OK)
        batch = false;
      for (const auto& a : present)
        if (batch && a.ulValueLen != CK_UNAVAILABLE_INFORMATION) out[a.type].resize(a.ulValueLen);
    }
    if (batch) return out;
    out.clear();
    for (CK_ATTRIBUTE_TYPE t : types)
      if (auto v = attribute(h, o, t)) out[t] = std::move(*v);
    return out;
  }

  json describe(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_OBJECT_CLASS cls) {
    std::vector<CK_ATTRIBUTE_TYPE> wanted = {CKA_ID, CKA_LABEL};
    if (cls == CKO_CERTIFICATE) wanted.push_back(CKA_VALUE);
    else wanted.insert(wanted.end(), {CKA_KEY_TYPE, CKA_MODULUS});
    if (cls == CKO_PRIVATE_KEY) wanted.insert(wanted.end(), {CKA_SIGN, CKA_DECRYPT, CKA_SENSITIVE, CKA_EXTRACTABLE});
    auto a = attributes(h, o, wanted);
    auto flag = [&a](CK_ATTRIBUTE_TYPE t) -> std::optional<bool> {
      auto it = a.find(t);
      if (it == a.end() || it->second.size() != sizeof(CK_BBOOL)) return std::nullopt;
      return it->second[0] != 0;
    };
    json d = json::object();
    if (a.count(CKA_ID)) d["id"] = wire::hex_encode(a[CKA_ID]);
    if (a.count(CKA_LABEL)) d["label"] = std::string(a[CKA_LABEL].begin(), a[CKA_LABEL].end());
    if (cls == CKO_CERTIFICATE) {
      if (a.count(CKA_VALUE)) d["der_base64"] = wire::base64_encode(a[CKA_VALUE]);
      return d;
    }
    if (a.count(CKA_KEY_TYPE) && a[CKA_KEY_TYPE].size() == sizeof(CK_KEY_TYPE)) {
      CK_KEY_TYPE kt;
      std::memcpy(&kt, a[CKA_KEY_TYPE].data(), sizeof kt);
      d["key_type"] = kt == CKK_RSA ? "RSA" : kt == CKK_EC ? "EC" : "other";
    }
    if (cls == CKO_PRIVATE_KEY) {
      for (const auto& [t, name] : {std::pair{CKA_SIGN, "sign"}, std::pair{CKA_DECRYPT, "decrypt"},
                                    std::pair{CKA_SENSITIVE, "sensitive"}, std::pair{CKA_EXTRACTABLE, "extractable"}})
        if (auto b = flag(t)) d[name] = *b;
    }
    if (a.count(CKA_MODULUS)) {
      const auto& m = a[CKA_MODULUS];
      size_t lead = 0;
      while (lead < m.size() && m[lead] == 0) ++lead;
      d["modulus_bits"] = (m.size() - lead) * 8;
    }
    return d;
  }

  json objects(CK_SESSION_HANDLE h) {
    json out = {{"certificates", json::array()}, {"private_keys", json::array()}, {"public_keys", json::array()}};
    const std::pair<CK_OBJECT_CLASS, const char*> classes[] = {
        {CKO_CERTIFICATE, "certificates"}, {CKO_PRIVATE_KEY, "private_keys"}, {CKO_PUBLIC_KEY, "public_keys"}};
    for (const auto& [cls, name] : classes) {
      CK_OBJECT_CLASS c = cls;
      for (CK_OBJECT_HANDLE o : find(h, {{CKA_CLASS, &c, sizeof c}})) out[name].push_back(describe(h, o, cls));
    }
    return out;
  }

  json private_key_op(const std::string& op, const json& rq) {
    const CK_SESSION_HANDLE h = rq.at("session").get<CK_SESSION_HANDLE>();
    auto id = wire::hex_decode(rq.at("key_id").get<std::string>());
    auto data = wire::base64_decode(rq.at("data").get<std::string>());
    if (!id || !data) throw Refusal{"bad-request", "key_id or data malformed"};
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    auto keys = find(h, {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id->data(), static_cast<CK_ULONG>(id->size())}});
    if (keys.empty()) throw Refusal{"no-key", "no private key with id " + wire::hex_encode(*id)};
    CK_RSA_PKCS_OAEP_PARAMS oaep;
    std::memset(&oaep, 0, sizeof oaep);
    CK_MECHANISM mech{rq.at("mechanism").get<CK_MECHANISM_TYPE>(), nullptr, 0};
    if (mech.mechanism == CKM_RSA_PKCS_OAEP) {
      // SHA-1 with MGF1-SHA-1: the one OAEP variant cards and SoftHSM2 agree on.
      oaep.hashAlg = CKM_SHA_1;
      oaep.mgf = CKG_MGF1_SHA1;
      oaep.source = CKZ_DATA_SPECIFIED;
      mech.pParameter = &oaep;
      mech.ulParameterLen = sizeof oaep;
    }
    std::vector<uint8_t> out;
    CK_ULONG n = 0;
    if (op == "sign") {
      must("C_SignInit", [&] { return f_->C_SignInit(h, &mech, keys.front()); });
      must("C_Sign", [&] { return f_->C_Sign(h, data->data(), data->size(), nullptr, &n); });
      out.resize(n);
      must("C_Sign", [&] { return f_->C_Sign(h, data->data(), data->size(), out.data(), &n); });
    } else {
      must("C_DecryptInit", [&] { return f_->C_DecryptInit(h, &mech, keys.front()); });
      must("C_Decrypt", [&] { return f_->C_Decrypt(h, data->data(), data->size(), nullptr, &n); });
      out.resize(n);
      must("C_Decrypt", [&] { return f_->C_Decrypt(h, data->data(), data->size(), out.data(), &n); });
    }
    out.resize(n);
    return {{op == "sign" ? "signature" : "plaintext", wire::base64_encode(out)}};
  }

  wire::Channel fd_;
  void* dl_ = nullptr;
  CK_FUNCTION_LIST_PTR f_ = nullptr;
  bool initialized_ = false;
  json calls_ = json::array();
};

}  // namespace

int serve(const wire::Channel& channel) { return Server(channel).run(); }

}  // namespace certwiz::pkcs11::host

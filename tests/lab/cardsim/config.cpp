#include "tests/lab/cardsim/config.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace certwiz::cardsim {
namespace {

constexpr std::array<std::string_view, 68> kFunctionNames = {
    "C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList",
    "C_GetSlotInfo", "C_GetTokenInfo", "C_GetMechanismList", "C_GetMechanismInfo",
    "C_InitToken", "C_InitPIN", "C_SetPIN", "C_OpenSession", "C_CloseSession",
    "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState", "C_SetOperationState",
    "C_Login", "C_Logout", "C_CreateObject", "C_CopyObject", "C_DestroyObject",
    "C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue", "C_FindObjectsInit",
    "C_FindObjects", "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate",
    "C_EncryptFinal", "C_DecryptInit", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal",
    "C_DigestInit", "C_Digest", "C_DigestUpdate", "C_DigestKey", "C_DigestFinal",
    "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal", "C_SignRecoverInit",
    "C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal",
    "C_VerifyRecoverInit", "C_VerifyRecover", "C_DigestEncryptUpdate",
    "C_DecryptDigestUpdate", "C_SignEncryptUpdate", "C_DecryptVerifyUpdate", "C_GenerateKey",
    "C_GenerateKeyPair", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey", "C_SeedRandom",
    "C_GenerateRandom", "C_GetFunctionStatus", "C_CancelFunction", "C_WaitForSlotEvent",
};

constexpr const char* kDefaultReaderManufacturer = "Virtual Smart Card Architecture";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<std::string> parse_one_fault(std::string_view entry, Fault& f) {
    // mode ':' function [ ':card:' name ]
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos) return "fault '" + std::string(entry) + "' has no ':'";
    const std::string_view mode = entry.substr(0, colon);
    std::string_view rest = entry.substr(colon + 1);
    if (mode == "crash") {
        f.kind = FaultKind::crash;
    } else if (mode == "hang") {
        f.kind = FaultKind::hang;
    } else if (mode == "removed") {
        f.kind = FaultKind::removed;
    } else {
        return "fault '" + std::string(entry) + "': mode must be crash, hang or removed";
    }
    const auto card_at = rest.find(":card:");
    if (card_at != std::string_view::npos) {
        f.card = std::string(rest.substr(card_at + 6));
        rest = rest.substr(0, card_at);
        if (f.card.empty()) return "fault '" + std::string(entry) + "': empty card name";
    }
    if (!is_pkcs11_function_name(rest))
        return "fault '" + std::string(entry) + "': '" + std::string(rest) +
               "' is not a PKCS#11 v2.40 function";
    f.function = std::string(rest);
    return std::nullopt;
}

std::string required_string(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key) || !j.at(key).is_string())
        throw std::runtime_error(where + ": \"" + key + "\" must be a string");
    return j.at(key).get<std::string>();
}

}  // namespace

bool is_pkcs11_function_name(std::string_view name) {
    return std::find(kFunctionNames.begin(), kFunctionNames.end(), name) != kFunctionNames.end();
}

std::optional<std::string> parse_faults(std::string_view text, std::vector<Fault>& out) {
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view entry = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (entry.empty()) continue;
        Fault f{};
        if (auto err = parse_one_fault(entry, f)) return err;
        out.push_back(std::move(f));
    }
    return std::nullopt;
}

std::optional<std::string> load_config(Config& out) {
    const char* path = std::getenv("CARDSIM_CONFIG");
    if (path == nullptr || *path == '\0') return "CARDSIM_CONFIG is not set";
    std::ifstream in(path);
    if (!in) return std::string("cannot open CARDSIM_CONFIG file ") + path;
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        out = Config{};
        out.softhsm_module = required_string(j, "softhsm_module", path);
        out.state_dir = required_string(j, "state_dir", path);
        if (!j.contains("readers") || !j.at("readers").is_array())
            return std::string(path) + ": \"readers\" must be an array";
        for (const auto& r : j.at("readers")) {
            ReaderSlot slot;
            slot.reader = required_string(r, "reader", path);
            slot.card = required_string(r, "card", path);
            slot.token_label = required_string(r, "token_label", path);
            slot.serial = required_string(r, "serial", path);
            slot.manufacturer = r.value("manufacturer", std::string(kDefaultReaderManufacturer));
            if (slot.card.empty() || slot.card.find('/') != std::string::npos)
                return std::string(path) + ": card name '" + slot.card + "' is not a file name";
            out.readers.push_back(std::move(slot));
        }
        if (j.contains("faults")) {
            const auto& faults = j.at("faults");
            if (faults.is_string()) {
                if (auto err = parse_faults(faults.get<std::string>(), out.faults)) return err;
            } else if (faults.is_array()) {
                for (const auto& f : faults) {
                    if (!f.is_string()) return std::string(path) + ": faults must be strings";
                    if (auto err = parse_faults(f.get<std::string>(), out.faults)) return err;
                }
            } else if (!faults.is_null()) {
                return std::string(path) + ": \"faults\" must be a string or an array";
            }
        }
    } catch (const std::exception& e) {
        return std::string(path) + ": " + e.what();
    }
    if (const char* env = std::getenv("CARDSIM_FAULT")) {
        if (auto err = parse_faults(env, out.faults)) return "CARDSIM_FAULT: " + *err;
    }
    return std::nullopt;
}

}  // namespace certwiz::cardsim

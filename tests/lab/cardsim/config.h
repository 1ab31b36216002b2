// The simulator's configuration: which PC/SC readers are slots, which SoftHSM2
// token stands for the card in each, and which faults to inject.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certwiz::cardsim {

// One reader of the lab and the card that is put into it.
struct ReaderSlot {
    std::string reader;        // PC/SC reader name, also the slot description
    std::string card;          // card name ("citizen"); names the state file
    std::string token_label;   // SoftHSM2 token that holds the card's keys
    std::string serial;        // token serial number as the card reports it
    std::string manufacturer;  // slot manufacturerID (reader vendor)
};

enum class FaultKind { crash, hang, removed };

// `crash:C_Login`, `hang:C_Sign`, `removed:C_Sign:card:citizen`.
struct Fault {
    FaultKind kind;
    std::string function;  // PKCS#11 function name, e.g. "C_Sign"
    std::string card;      // empty: every card (and calls that have no card)
};

struct Config {
    std::string softhsm_module;
    std::string state_dir;
    std::vector<ReaderSlot> readers;
    std::vector<Fault> faults;
};

// Parses a fault list (comma-separated). Returns an error text on a bad entry,
// so a typo fails C_Initialize instead of silently testing nothing.
std::optional<std::string> parse_faults(std::string_view text, std::vector<Fault>& out);

// Reads the JSON file named by CARDSIM_CONFIG and the faults in CARDSIM_FAULT.
// Returns an error text when anything is missing or malformed.
std::optional<std::string> load_config(Config& out);

bool is_pkcs11_function_name(std::string_view name);

}  // namespace certwiz::cardsim

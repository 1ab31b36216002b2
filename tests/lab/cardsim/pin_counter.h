// A card's PIN retry counter, kept in <state_dir>/<card>.json so that it
// survives processes like the counter on a real card does.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace certwiz::cardsim {

struct PinState {
    static constexpr int kMaxTries = 3;
    int tries_left = kMaxTries;  // 0 = locked
    long logins = 0;             // every C_Login the module received for this card
    long pin_verifications = 0;  // C_Login calls passed on to the token (SoftHSM2)
};

class PinCounter {
public:
    PinCounter(std::string state_dir, std::string card);

    // Reads the state (no file = a fresh card). nullopt: unreadable or malformed file.
    std::optional<PinState> read() const;

    // Read-modify-write under an exclusive lock on <card>.lock; the file is
    // replaced atomically (temporary file + rename). `change` runs with the lock
    // held and may call into the token. Returns false when the state could not
    // be read or written.
    bool update(const std::function<void(PinState&)>& change) const;

    const std::string& path() const { return path_; }

private:
    std::optional<PinState> read_unlocked() const;
    bool write_unlocked(const PinState& s) const;

    std::string dir_;
    std::string path_;
    std::string lock_path_;
};

}  // namespace certwiz::cardsim

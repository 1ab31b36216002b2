#include "tests/lab/cardsim/pin_counter.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace certwiz::cardsim {
namespace {

// Closes the lock file (and so releases the flock) on every path.
class FileLock {
public:
    explicit FileLock(const std::string& path)
        : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
        if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~FileLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_;
};

}  // namespace

PinCounter::PinCounter(std::string state_dir, std::string card)
    : dir_(std::move(state_dir)),
      path_(dir_ + "/" + card + ".json"),
      lock_path_(dir_ + "/" + card + ".lock") {}

std::optional<PinState> PinCounter::read() const {
    // Writers replace the file by rename, so a reader sees the old or the new state.
    return read_unlocked();
}

std::optional<PinState> PinCounter::read_unlocked() const {
    PinState s;
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec) && !ec) return s;  // no file: a fresh card
    std::ifstream in(path_);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find_first_not_of(" \t\r\n") == std::string::npos) return s;
    const auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    auto get_int = [&](const char* key, auto& field) {
        if (!j.contains(key)) return true;
        if (!j.at(key).is_number_integer()) return false;
        field = j.at(key).get<std::remove_reference_t<decltype(field)>>();
        return true;
    };
    if (!get_int("tries_left", s.tries_left) || !get_int("logins", s.logins) ||
        !get_int("pin_verifications", s.pin_verifications))
        return std::nullopt;
    if (s.tries_left < 0 || s.tries_left > PinState::kMaxTries) return std::nullopt;
    return s;
}

bool PinCounter::write_unlocked(const PinState& s) const {
    const nlohmann::json j = {
        {"tries_left", s.tries_left},
        {"max_tries", PinState::kMaxTries},
        {"locked", s.tries_left == 0},
        {"logins", s.logins},
        {"pin_verifications", s.pin_verifications},
    };
    const std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return false;
        out << j.dump(2) << '\n';
        out.flush();
        if (!out) return false;
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

bool PinCounter::update(const std::function<void(PinState&)>& change) const {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    FileLock lock(lock_path_);
    if (!lock.held()) return false;
    auto s = read_unlocked();
    if (!s) return false;
    change(*s);
    return write_unlocked(*s);
}

}  // namespace certwiz::cardsim

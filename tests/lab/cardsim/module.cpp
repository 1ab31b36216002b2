// The PKCS#11 entry points of the card simulator. Every call is forwarded to
// SoftHSM2, with what a card has in addition: a slot per PC/SC reader, a token
// only while a card is in it, the HiCOS token identity, a persistent PIN retry
// counter, and injected faults. No exception crosses the C ABI.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "tests/lab/cardsim/config.h"
#include "tests/lab/cardsim/pin_counter.h"
#include "tests/lab/cardsim/reader_presence.h"

namespace certwiz::cardsim {
namespace {

// What the simulator says about itself (C_GetInfo).
constexpr CK_VERSION kCryptokiVersion{2, 40};
constexpr CK_VERSION kLibraryVersion{0, 1};
constexpr std::string_view kLibraryManufacturer = "CertWiz";
constexpr std::string_view kLibraryDescription = "CertWiz card simulator";

// What the vendor's HiCOS module reports for a card (shared/facts-taiwan-pki.md).
struct TokenProfile {
    std::string_view label;
    std::string_view manufacturer;
    std::string_view model;
    CK_ULONG min_pin;
    CK_ULONG max_pin;
};
constexpr TokenProfile kHiCOS{"HiCOS PKI Smart Card", "Chunghwa TeleCom Co., Ltd.", "HiCOS", 6, 8};
constexpr CK_VERSION kReaderVersion{1, 0};
constexpr CK_VERSION kCardVersion{1, 0};

void warn(const std::string& text) { std::fprintf(stderr, "certwiz-cardsim: %s\n", text.c_str()); }

// PKCS#11 text fields are blank-padded and not NUL-terminated.
template <std::size_t N>
void put_padded(unsigned char (&field)[N], std::string_view text) {
    std::memset(field, ' ', N);
    std::memcpy(field, text.data(), std::min(N, text.size()));
}

struct Slot {
    ReaderSlot cfg;
    PinCounter pins;
    std::optional<CK_SLOT_ID> hsm_slot;  // SoftHSM2's slot of the token, by label
    CardPresence seen;                   // the card as last observed in the reader
    std::optional<std::uint32_t> unknown_card;  // events value of a card we found no token for
};

struct Session {
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE hsm = 0;
    bool rw = false;
    // The card left (or was reset) under the session: the next call on it
    // answers CKR_DEVICE_REMOVED and the handle is gone afterwards.
    bool removed = false;
};

struct Module {
    std::mutex mu;
    bool initialized = false;
    pid_t pid = 0;
    bool finalize_hsm = true;
    Config cfg;
    void* dl = nullptr;
    CK_FUNCTION_LIST_PTR hsm = nullptr;
    std::vector<Slot> slots;
    std::map<CK_SESSION_HANDLE, Session> sessions;
    CK_SESSION_HANDLE next_handle = 1;
};

// Never destroyed: a late call during process exit must not meet a dead mutex.
Module& module() {
    static Module* m = new Module;
    return *m;
}

using Lock = std::unique_lock<std::mutex>;

// ---- faults --------------------------------------------------------------

void invalidate_sessions(Module& m, CK_SLOT_ID slot);

// Applies a configured fault for `fn` on `card` ("" = a call with no card).
std::optional<CK_RV> injected_fault(Module& m, Lock& lk, std::string_view fn, const std::string& card,
                                    std::optional<CK_SLOT_ID> slot = std::nullopt,
                                    std::optional<CK_SESSION_HANDLE> session = std::nullopt) {
    for (const Fault& f : m.cfg.faults) {
        if (f.function != fn || (!f.card.empty() && f.card != card)) continue;
        switch (f.kind) {
            case FaultKind::crash:
                std::abort();
            case FaultKind::hang:
                // Like a card that stops answering: only this call blocks.
                lk.unlock();
                for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
            case FaultKind::removed:
                // As if the card were pulled during the call: the card's
                // sessions (and its login) are gone.
                if (slot) invalidate_sessions(m, *slot);
                if (session) m.sessions.erase(*session);
                return CKR_DEVICE_REMOVED;
        }
    }
    return std::nullopt;
}

// ---- slots and cards ------------------------------------------------------

void invalidate_sessions(Module& m, CK_SLOT_ID slot) {
    bool any = false;
    for (auto& [handle, s] : m.sessions) {
        if (s.slot == slot && !s.removed) {
            s.removed = true;
            any = true;
        }
    }
    // A real card forgets the PIN when it leaves the reader: drop SoftHSM2's
    // sessions of the token, which also logs it out.
    if (any && m.slots[slot].hsm_slot) m.hsm->C_CloseAllSessions(*m.slots[slot].hsm_slot);
}

// Asks PC/SC about the listed slots; a different card (or none) than last time
// ends the sessions on the old one.
void refresh(Module& m, const std::vector<CK_SLOT_ID>& ids) {
    std::vector<std::string> readers;
    readers.reserve(ids.size());
    for (CK_SLOT_ID id : ids) readers.push_back(m.slots[id].cfg.reader);
    const auto now = query_presence(readers);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        Slot& s = m.slots[ids[i]];
        if (!now[i].same_card(s.seen)) invalidate_sessions(m, ids[i]);
        s.seen = now[i];
    }
}

bool card_present(Module& m, CK_SLOT_ID id) {
    refresh(m, {id});
    return m.slots[id].seen.present;
}

std::optional<CK_SLOT_ID> find_hsm_slot(Module& m, const std::string& label) {
    CK_ULONG n = 0;
    if (m.hsm->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK) return std::nullopt;
    std::vector<CK_SLOT_ID> ids(n);
    if (m.hsm->C_GetSlotList(CK_TRUE, ids.data(), &n) != CKR_OK) return std::nullopt;
    ids.resize(n);
    unsigned char want[32];
    put_padded(want, label);
    for (CK_SLOT_ID id : ids) {
        CK_TOKEN_INFO ti{};
        if (m.hsm->C_GetTokenInfo(id, &ti) == CKR_OK && std::memcmp(ti.label, want, sizeof want) == 0)
            return id;
    }
    return std::nullopt;
}

std::optional<CK_SLOT_ID> hsm_slot_for(Module& m, Slot& slot) {
    if (slot.hsm_slot) return slot.hsm_slot;
    if (slot.unknown_card == slot.seen.events) return std::nullopt;  // already looked for this card
    // SoftHSM2 skips a token whose file another process is rewriting at that
    // moment (it does so on every wrong PIN); it reads the directory again on
    // the next C_GetSlotList, so look a few times before calling the card unknown.
    for (int attempt = 0; attempt < 25 && !slot.hsm_slot; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        slot.hsm_slot = find_hsm_slot(m, slot.cfg.token_label);
    }
    if (!slot.hsm_slot) {
        slot.unknown_card = slot.seen.events;
        warn("no SoftHSM2 token labelled '" + slot.cfg.token_label + "' for card '" + slot.cfg.card + "'");
    }
    return slot.hsm_slot;
}

// The checks every call about a slot's token makes, in a real module's order.
CK_RV token_gate(Module& m, CK_SLOT_ID id, CK_SLOT_ID* hsm_slot) {
    if (id >= m.slots.size()) return CKR_SLOT_ID_INVALID;
    if (!card_present(m, id)) return CKR_TOKEN_NOT_PRESENT;
    const auto hs = hsm_slot_for(m, m.slots[id]);
    if (!hs) return CKR_TOKEN_NOT_RECOGNIZED;  // a card, but not one we can read
    if (hsm_slot) *hsm_slot = *hs;
    return CKR_OK;
}

// ---- call wrappers --------------------------------------------------------

template <class F>
CK_RV guarded(F&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return CKR_HOST_MEMORY;
    } catch (const std::exception& e) {
        warn(std::string("internal error: ") + e.what());
        return CKR_GENERAL_ERROR;
    } catch (...) {
        return CKR_GENERAL_ERROR;
    }
}

// A call with no slot or session: faults without a card qualifier apply.
template <class F>
CK_RV on_module(std::string_view fn, F&& body) noexcept {
    return guarded([&]() -> CK_RV {
        Module& m = module();
        Lock lk(m.mu);
        if (!m.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
        if (auto rv = injected_fault(m, lk, fn, "")) return *rv;
        return body(m);
    });
}

template <class F>
CK_RV on_slot(std::string_view fn, CK_SLOT_ID id, F&& body) noexcept {
    return guarded([&]() -> CK_RV {
        Module& m = module();
        Lock lk(m.mu);
        if (!m.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
        if (id >= m.slots.size()) return CKR_SLOT_ID_INVALID;
        if (auto rv = injected_fault(m, lk, fn, m.slots[id].cfg.card, id)) return *rv;
        return body(m, m.slots[id]);
    });
}

// A call on a session: looks the handle up, notices a card that left, and
// hands SoftHSM2's session handle to `body`.
template <class F>
CK_RV on_session(std::string_view fn, CK_SESSION_HANDLE h, F&& body) noexcept {
    return guarded([&]() -> CK_RV {
        Module& m = module();
        Lock lk(m.mu);
        if (!m.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
        auto it = m.sessions.find(h);
        if (it == m.sessions.end()) return CKR_SESSION_HANDLE_INVALID;
        const CK_SLOT_ID slot = it->second.slot;
        if (auto rv = injected_fault(m, lk, fn, m.slots[slot].cfg.card, slot, h)) return *rv;
        if (!it->second.removed) refresh(m, {slot});
        if (it->second.removed) {
            m.sessions.erase(it);
            return CKR_DEVICE_REMOVED;
        }
        return body(m, m.slots[slot], it->second);
    });
}

#define CARDSIM_FORWARD(name, params, args)                                                    \
    CK_RV name params {                                                                          \
        return on_session("C_" #name, hSession,                                                  \
                          [&](Module& m, Slot&, Session& sess) {                                 \
                              const CK_SESSION_HANDLE s = sess.hsm;                              \
                              return m.hsm->C_##name args;                                       \
                          });                                                                    \
    }

#define CARDSIM_UNSUPPORTED(name, rv, params)                                                  \
    CK_RV name params {                                                                          \
        return on_module("C_" #name, [](Module&) -> CK_RV { return rv; });                      \
    }

// ---- general purpose ------------------------------------------------------

CK_RV Initialize(void* init_args) {
    return guarded([&]() -> CK_RV {
        Module& m = module();
        Lock lk(m.mu);
        if (m.initialized) {
            if (m.pid == ::getpid()) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
            // A forked child starts over, as PKCS#11 asks of it; SoftHSM2 does the same.
            m.sessions.clear();
            m.initialized = false;
        }
        if (init_args != nullptr) {
            const auto* a = static_cast<CK_C_INITIALIZE_ARGS*>(init_args);
            if (a->pReserved != nullptr) return CKR_ARGUMENTS_BAD;
            const int given = (a->CreateMutex != nullptr) + (a->DestroyMutex != nullptr) +
                              (a->LockMutex != nullptr) + (a->UnlockMutex != nullptr);
            if (given != 0 && given != 4) return CKR_ARGUMENTS_BAD;
            // Only OS locking is implemented: mutex callbacks alone are refused.
            if (given == 4 && (a->flags & CKF_OS_LOCKING_OK) == 0) return CKR_CANT_LOCK;
        }
        Config cfg;
        if (auto err = load_config(cfg)) {
            warn(*err);
            return CKR_GENERAL_ERROR;
        }
        void* dl = ::dlopen(cfg.softhsm_module.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (dl == nullptr) {
            warn("cannot load " + cfg.softhsm_module + ": " + ::dlerror());
            return CKR_GENERAL_ERROR;
        }
        auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(dl, "C_GetFunctionList"));
        CK_FUNCTION_LIST_PTR hsm = nullptr;
        if (get_list == nullptr || get_list(&hsm) != CKR_OK || hsm == nullptr) {
            warn(cfg.softhsm_module + " has no usable C_GetFunctionList");
            ::dlclose(dl);
            return CKR_GENERAL_ERROR;
        }
        CK_C_INITIALIZE_ARGS hsm_args{};
        hsm_args.flags = CKF_OS_LOCKING_OK;
        const CK_RV rv = hsm->C_Initialize(&hsm_args);
        // The process may use SoftHSM2 directly as well; then it is not ours to finalize.
        if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            warn("SoftHSM2 C_Initialize failed: 0x" + std::to_string(rv));
            ::dlclose(dl);
            return rv;
        }
        m.finalize_hsm = rv == CKR_OK;
        m.cfg = std::move(cfg);
        m.dl = dl;
        m.hsm = hsm;
        m.slots.clear();
        for (const ReaderSlot& r : m.cfg.readers)
            m.slots.push_back(Slot{r, PinCounter(m.cfg.state_dir, r.card), std::nullopt, {}, std::nullopt});
        m.sessions.clear();
        m.initialized = true;
        m.pid = ::getpid();
        if (auto frv = injected_fault(m, lk, "C_Initialize", "")) return *frv;
        return CKR_OK;
    });
}

CK_RV Finalize(void* reserved) {
    return guarded([&]() -> CK_RV {
        if (reserved != nullptr) return CKR_ARGUMENTS_BAD;
        Module& m = module();
        Lock lk(m.mu);
        if (!m.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
        if (auto rv = injected_fault(m, lk, "C_Finalize", "")) return *rv;
        if (m.finalize_hsm) {
            m.hsm->C_Finalize(nullptr);
            ::dlclose(m.dl);
        }
        m.hsm = nullptr;
        m.dl = nullptr;
        m.sessions.clear();
        m.slots.clear();
        m.initialized = false;
        return CKR_OK;
    });
}

CK_RV GetInfo(CK_INFO_PTR info) {
    return on_module("C_GetInfo", [&](Module&) -> CK_RV {
        if (info == nullptr) return CKR_ARGUMENTS_BAD;
        *info = CK_INFO{};
        info->cryptokiVersion = kCryptokiVersion;
        put_padded(info->manufacturerID, kLibraryManufacturer);
        info->flags = 0;
        put_padded(info->libraryDescription, kLibraryDescription);
        info->libraryVersion = kLibraryVersion;
        return CKR_OK;
    });
}

CK_RV GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

// ---- slots and tokens -----------------------------------------------------

CK_RV GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
    return on_module("C_GetSlotList", [&](Module& m) -> CK_RV {
        if (count == nullptr) return CKR_ARGUMENTS_BAD;
        std::vector<CK_SLOT_ID> all(m.slots.size());
        for (CK_SLOT_ID i = 0; i < all.size(); ++i) all[i] = i;
        refresh(m, all);
        std::vector<CK_SLOT_ID> ids;
        for (CK_SLOT_ID id : all)
            if (!token_present || m.slots[id].seen.present) ids.push_back(id);
        if (list == nullptr) {
            *count = ids.size();
            return CKR_OK;
        }
        if (*count < ids.size()) {
            *count = ids.size();
            return CKR_BUFFER_TOO_SMALL;
        }
        std::copy(ids.begin(), ids.end(), list);
        *count = ids.size();
        return CKR_OK;
    });
}

CK_RV GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info) {
    return on_slot("C_GetSlotInfo", id, [&](Module& m, Slot& slot) -> CK_RV {
        if (info == nullptr) return CKR_ARGUMENTS_BAD;
        *info = CK_SLOT_INFO{};
        put_padded(info->slotDescription, slot.cfg.reader);
        put_padded(info->manufacturerID, slot.cfg.manufacturer);
        info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
        if (card_present(m, id)) info->flags |= CKF_TOKEN_PRESENT;
        info->hardwareVersion = kReaderVersion;
        info->firmwareVersion = kReaderVersion;
        return CKR_OK;
    });
}

CK_FLAGS pin_flags(const PinState& s) {
    CK_FLAGS f = 0;
    if (s.tries_left < PinState::kMaxTries) f |= CKF_USER_PIN_COUNT_LOW;
    if (s.tries_left == 1) f |= CKF_USER_PIN_FINAL_TRY;
    if (s.tries_left == 0) f |= CKF_USER_PIN_LOCKED;
    return f;
}

CK_RV GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info) {
    return on_slot("C_GetTokenInfo", id, [&](Module& m, Slot& slot) -> CK_RV {
        if (info == nullptr) return CKR_ARGUMENTS_BAD;
        if (CK_RV rv = token_gate(m, id, nullptr); rv != CKR_OK) return rv;
        const auto pins = slot.pins.read();
        if (!pins) {
            warn("unreadable PIN state " + slot.pins.path());
            return CKR_DEVICE_ERROR;
        }
        CK_ULONG open = 0, open_rw = 0;
        for (const auto& [h, s] : m.sessions) {
            if (s.slot != id || s.removed) continue;
            ++open;
            open_rw += s.rw ? 1 : 0;
        }
        *info = CK_TOKEN_INFO{};
        put_padded(info->label, kHiCOS.label);
        put_padded(info->manufacturerID, kHiCOS.manufacturer);
        put_padded(info->model, kHiCOS.model);
        put_padded(info->serialNumber, slot.cfg.serial);
        info->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED |
                      pin_flags(*pins);
        info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
        info->ulSessionCount = open;
        info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
        info->ulRwSessionCount = open_rw;
        info->ulMaxPinLen = kHiCOS.max_pin;
        info->ulMinPinLen = kHiCOS.min_pin;
        info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
        info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
        info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
        info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
        info->hardwareVersion = kCardVersion;
        info->firmwareVersion = kCardVersion;
        put_padded(info->utcTime, "");
        return CKR_OK;
    });
}

CK_RV GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
    return on_slot("C_GetMechanismList", id, [&](Module& m, Slot&) -> CK_RV {
        CK_SLOT_ID hs = 0;
        if (CK_RV rv = token_gate(m, id, &hs); rv != CKR_OK) return rv;
        return m.hsm->C_GetMechanismList(hs, list, count);
    });
}

CK_RV GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
    return on_slot("C_GetMechanismInfo", id, [&](Module& m, Slot&) -> CK_RV {
        CK_SLOT_ID hs = 0;
        if (CK_RV rv = token_gate(m, id, &hs); rv != CKR_OK) return rv;
        return m.hsm->C_GetMechanismInfo(hs, type, info);
    });
}

// A card cannot be re-personalised from the desktop.
CK_RV InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR) {
    return on_slot("C_InitToken", id, [](Module&, Slot&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}

CK_RV WaitForSlotEvent(CK_FLAGS, CK_SLOT_ID_PTR, void*) {
    return on_module("C_WaitForSlotEvent", [](Module&) -> CK_RV { return CKR_FUNCTION_NOT_SUPPORTED; });
}

// ---- sessions -------------------------------------------------------------

CK_RV OpenSession(CK_SLOT_ID id, CK_FLAGS flags, void*, CK_NOTIFY, CK_SESSION_HANDLE_PTR out) {
    return on_slot("C_OpenSession", id, [&](Module& m, Slot&) -> CK_RV {
        if (out == nullptr) return CKR_ARGUMENTS_BAD;
        CK_SLOT_ID hs = 0;
        if (CK_RV rv = token_gate(m, id, &hs); rv != CKR_OK) return rv;
        CK_SESSION_HANDLE inner = 0;
        // Callbacks are not forwarded: SoftHSM2 never calls them either.
        if (CK_RV rv = m.hsm->C_OpenSession(hs, flags, nullptr, nullptr, &inner); rv != CKR_OK)
            return rv;
        const CK_SESSION_HANDLE h = m.next_handle++;
        m.sessions[h] = Session{id, inner, (flags & CKF_RW_SESSION) != 0, false};
        *out = h;
        return CKR_OK;
    });
}

CK_RV CloseSession(CK_SESSION_HANDLE h) {
    return guarded([&]() -> CK_RV {
        Module& m = module();
        Lock lk(m.mu);
        if (!m.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
        auto it = m.sessions.find(h);
        if (it == m.sessions.end()) return CKR_SESSION_HANDLE_INVALID;
        const CK_SLOT_ID slot = it->second.slot;
        if (auto rv = injected_fault(m, lk, "C_CloseSession", m.slots[slot].cfg.card, slot, h)) return *rv;
        if (!it->second.removed) refresh(m, {slot});
        // Closing a session whose card already left is not the caller's error.
        CK_RV rv = CKR_OK;
        if (!it->second.removed) rv = m.hsm->C_CloseSession(it->second.hsm);
        m.sessions.erase(it);
        return rv;
    });
}

CK_RV CloseAllSessions(CK_SLOT_ID id) {
    return on_slot("C_CloseAllSessions", id, [&](Module& m, Slot& slot) -> CK_RV {
        bool any_live = false;
        for (auto it = m.sessions.begin(); it != m.sessions.end();) {
            if (it->second.slot == id) {
                any_live = any_live || !it->second.removed;
                it = m.sessions.erase(it);
            } else {
                ++it;
            }
        }
        if (any_live && slot.hsm_slot) m.hsm->C_CloseAllSessions(*slot.hsm_slot);
        return CKR_OK;
    });
}

CK_RV GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR info) {
    return on_session("C_GetSessionInfo", hSession, [&](Module& m, Slot&, Session& sess) -> CK_RV {
        const CK_RV rv = m.hsm->C_GetSessionInfo(sess.hsm, info);
        if (rv == CKR_OK) info->slotID = sess.slot;
        return rv;
    });
}

CARDSIM_UNSUPPORTED(GetOperationState, CKR_FUNCTION_NOT_SUPPORTED, (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR))
CARDSIM_UNSUPPORTED(SetOperationState, CKR_FUNCTION_NOT_SUPPORTED,
                    (CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE))

// ---- PIN ------------------------------------------------------------------

bool pin_len_ok(CK_ULONG len) { return len >= kHiCOS.min_pin && len <= kHiCOS.max_pin; }

CK_RV Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    return on_session("C_Login", hSession, [&](Module& m, Slot& slot, Session& sess) -> CK_RV {
        CK_RV rv = CKR_OK;
        const bool user_pin = user == CKU_USER || user == CKU_CONTEXT_SPECIFIC;
        const bool stored = slot.pins.update([&](PinState& s) {
            ++s.logins;
            if (!user_pin) {  // the SO PIN (PUK) has no counter here
                rv = m.hsm->C_Login(sess.hsm, user, pin, len);
                return;
            }
            // A locked card refuses before it looks at the PIN.
            if (s.tries_left == 0) {
                rv = CKR_PIN_LOCKED;
                return;
            }
            if (pin == nullptr) {
                rv = CKR_ARGUMENTS_BAD;
                return;
            }
            // The middleware checks the length before the card sees it: no try is spent.
            if (!pin_len_ok(len)) {
                rv = CKR_PIN_LEN_RANGE;
                return;
            }
            ++s.pin_verifications;
            rv = m.hsm->C_Login(sess.hsm, user, pin, len);
            if (rv == CKR_PIN_INCORRECT) {
                --s.tries_left;
                if (s.tries_left == 0) rv = CKR_PIN_LOCKED;  // the try that locks says so
            } else if (rv == CKR_OK) {
                s.tries_left = PinState::kMaxTries;
            }
        });
        if (!stored) {
            warn("cannot read or write PIN state " + slot.pins.path());
            return CKR_DEVICE_ERROR;
        }
        return rv;
    });
}

CK_RV SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
             CK_ULONG new_len) {
    return on_session("C_SetPIN", hSession, [&](Module& m, Slot& slot, Session& sess) -> CK_RV {
        CK_SESSION_INFO si{};
        if (CK_RV rv = m.hsm->C_GetSessionInfo(sess.hsm, &si); rv != CKR_OK) return rv;
        if (si.state == CKS_RW_SO_FUNCTIONS)  // the SO's own PIN: not the user counter
            return m.hsm->C_SetPIN(sess.hsm, old_pin, old_len, new_pin, new_len);
        CK_RV rv = CKR_OK;
        const bool stored = slot.pins.update([&](PinState& s) {
            if (s.tries_left == 0) {
                rv = CKR_PIN_LOCKED;
                return;
            }
            if (!pin_len_ok(old_len) || !pin_len_ok(new_len)) {
                rv = CKR_PIN_LEN_RANGE;
                return;
            }
            rv = m.hsm->C_SetPIN(sess.hsm, old_pin, old_len, new_pin, new_len);
            if (rv == CKR_PIN_INCORRECT) {
                --s.tries_left;
                if (s.tries_left == 0) rv = CKR_PIN_LOCKED;
            } else if (rv == CKR_OK) {
                s.tries_left = PinState::kMaxTries;
            }
        });
        return stored ? rv : CKR_DEVICE_ERROR;
    });
}

CK_RV InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    return on_session("C_InitPIN", hSession, [&](Module& m, Slot& slot, Session& sess) -> CK_RV {
        if (pin != nullptr && !pin_len_ok(len)) return CKR_PIN_LEN_RANGE;
        const CK_RV rv = m.hsm->C_InitPIN(sess.hsm, pin, len);
        // The SO resetting the PIN is what unblocks a card.
        if (rv == CKR_OK && !slot.pins.update([](PinState& s) { s.tries_left = PinState::kMaxTries; }))
            return CKR_DEVICE_ERROR;
        return rv;
    });
}

CARDSIM_FORWARD(Logout, (CK_SESSION_HANDLE hSession), (s))

// ---- objects --------------------------------------------------------------

CARDSIM_FORWARD(CreateObject, (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o),
                (s, t, n, o))
CARDSIM_FORWARD(CopyObject,
                (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                 CK_OBJECT_HANDLE_PTR no),
                (s, o, t, n, no))
CARDSIM_FORWARD(DestroyObject, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE o), (s, o))
CARDSIM_FORWARD(GetObjectSize, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE o, CK_ULONG_PTR n), (s, o, n))
CARDSIM_FORWARD(GetAttributeValue, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
                (s, o, t, n))
CARDSIM_FORWARD(SetAttributeValue, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
                (s, o, t, n))
CARDSIM_FORWARD(FindObjectsInit, (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR t, CK_ULONG n), (s, t, n))
CARDSIM_FORWARD(FindObjects, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR o, CK_ULONG max, CK_ULONG_PTR n),
                (s, o, max, n))
CARDSIM_FORWARD(FindObjectsFinal, (CK_SESSION_HANDLE hSession), (s))

// ---- cryptography ---------------------------------------------------------

#define CARDSIM_FORWARD_INIT(name)                                                               \
    CARDSIM_FORWARD(name, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key), \
                    (s, mech, key))
#define CARDSIM_FORWARD_ONESHOT(name)                                                            \
    CARDSIM_FORWARD(name,                                                                          \
                    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,  \
                     CK_ULONG_PTR out_len),                                                        \
                    (s, in, in_len, out, out_len))
#define CARDSIM_FORWARD_UPDATE(name)                                                             \
    CARDSIM_FORWARD(name, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR in, CK_ULONG in_len), (s, in, in_len))
#define CARDSIM_FORWARD_FINAL(name)                                                              \
    CARDSIM_FORWARD(name, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR out, CK_ULONG_PTR out_len), (s, out, out_len))

CARDSIM_FORWARD_INIT(EncryptInit)
CARDSIM_FORWARD_ONESHOT(Encrypt)
CARDSIM_FORWARD_ONESHOT(EncryptUpdate)
CARDSIM_FORWARD_FINAL(EncryptFinal)
CARDSIM_FORWARD_INIT(DecryptInit)
CARDSIM_FORWARD_ONESHOT(Decrypt)
CARDSIM_FORWARD_ONESHOT(DecryptUpdate)
CARDSIM_FORWARD_FINAL(DecryptFinal)
CARDSIM_FORWARD(DigestInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech), (s, mech))
CARDSIM_FORWARD_ONESHOT(Digest)
CARDSIM_FORWARD_UPDATE(DigestUpdate)
CARDSIM_FORWARD(DigestKey, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE key), (s, key))
CARDSIM_FORWARD_FINAL(DigestFinal)
CARDSIM_FORWARD_INIT(SignInit)
CARDSIM_FORWARD_ONESHOT(Sign)
CARDSIM_FORWARD_UPDATE(SignUpdate)
CARDSIM_FORWARD_FINAL(SignFinal)
CARDSIM_FORWARD_INIT(SignRecoverInit)
CARDSIM_FORWARD_ONESHOT(SignRecover)
CARDSIM_FORWARD_INIT(VerifyInit)
CARDSIM_FORWARD(Verify,
                (CK_SESSION_HANDLE hSession, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR sig, CK_ULONG sig_len),
                (s, in, in_len, sig, sig_len))
CARDSIM_FORWARD_UPDATE(VerifyUpdate)
CARDSIM_FORWARD(VerifyFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR sig, CK_ULONG sig_len), (s, sig, sig_len))
CARDSIM_FORWARD_INIT(VerifyRecoverInit)
CARDSIM_FORWARD_ONESHOT(VerifyRecover)
CARDSIM_FORWARD_ONESHOT(DigestEncryptUpdate)
CARDSIM_FORWARD_ONESHOT(DecryptDigestUpdate)
CARDSIM_FORWARD_ONESHOT(SignEncryptUpdate)
CARDSIM_FORWARD_ONESHOT(DecryptVerifyUpdate)

CARDSIM_FORWARD(GenerateKey,
                (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                 CK_OBJECT_HANDLE_PTR key),
                (s, mech, t, n, key))
CARDSIM_FORWARD(GenerateKeyPair,
                (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub_t, CK_ULONG pub_n,
                 CK_ATTRIBUTE_PTR priv_t, CK_ULONG priv_n, CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv),
                (s, mech, pub_t, pub_n, priv_t, priv_n, pub, priv))
CARDSIM_FORWARD(WrapKey,
                (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key,
                 CK_BYTE_PTR out, CK_ULONG_PTR out_len),
                (s, mech, wrapping, key, out, out_len))
CARDSIM_FORWARD(UnwrapKey,
                (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE unwrapping, CK_BYTE_PTR in,
                 CK_ULONG in_len, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR key),
                (s, mech, unwrapping, in, in_len, t, n, key))
CARDSIM_FORWARD(DeriveKey,
                (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR t,
                 CK_ULONG n, CK_OBJECT_HANDLE_PTR key),
                (s, mech, base, t, n, key))
CARDSIM_FORWARD(SeedRandom, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR seed, CK_ULONG len), (s, seed, len))
CARDSIM_FORWARD(GenerateRandom, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR out, CK_ULONG len), (s, out, len))

// Legacy functions; PKCS#11 v2.40 says they answer CKR_FUNCTION_NOT_PARALLEL.
CARDSIM_UNSUPPORTED(GetFunctionStatus, CKR_FUNCTION_NOT_PARALLEL, (CK_SESSION_HANDLE))
CARDSIM_UNSUPPORTED(CancelFunction, CKR_FUNCTION_NOT_PARALLEL, (CK_SESSION_HANDLE))

CK_FUNCTION_LIST kFunctions = {
    kCryptokiVersion,
    Initialize, Finalize, GetInfo, GetFunctionList, GetSlotList, GetSlotInfo, GetTokenInfo,
    GetMechanismList, GetMechanismInfo, InitToken, InitPIN, SetPIN, OpenSession, CloseSession,
    CloseAllSessions, GetSessionInfo, GetOperationState, SetOperationState, Login, Logout,
    CreateObject, CopyObject, DestroyObject, GetObjectSize, GetAttributeValue, SetAttributeValue,
    FindObjectsInit, FindObjects, FindObjectsFinal, EncryptInit, Encrypt, EncryptUpdate,
    EncryptFinal, DecryptInit, Decrypt, DecryptUpdate, DecryptFinal, DigestInit, Digest,
    DigestUpdate, DigestKey, DigestFinal, SignInit, Sign, SignUpdate, SignFinal, SignRecoverInit,
    SignRecover, VerifyInit, Verify, VerifyUpdate, VerifyFinal, VerifyRecoverInit, VerifyRecover,
    DigestEncryptUpdate, DecryptDigestUpdate, SignEncryptUpdate, DecryptVerifyUpdate, GenerateKey,
    GenerateKeyPair, WrapKey, UnwrapKey, DeriveKey, SeedRandom, GenerateRandom, GetFunctionStatus,
    CancelFunction, WaitForSlotEvent,
};

CK_RV GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    if (list == nullptr) return CKR_ARGUMENTS_BAD;
    *list = &kFunctions;
    return CKR_OK;
}

}  // namespace
}  // namespace certwiz::cardsim

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    return certwiz::cardsim::GetFunctionList(list);
}

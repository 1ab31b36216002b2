#include "tests/lab/cardsim/reader_presence.h"

#include <PCSC/winscard.h>

namespace certwiz::cardsim {

std::vector<CardPresence> query_presence(const std::vector<std::string>& readers) {
    std::vector<CardPresence> result(readers.size());
    if (readers.empty()) return result;

    // A fresh context per query: cheap on loopback, and nothing to go stale
    // when pcscd restarts or the process forks.
    SCARDCONTEXT ctx = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS)
        return result;

    // One reader per call: a reader pcscd does not know must not hide the others.
    for (std::size_t i = 0; i < readers.size(); ++i) {
        SCARD_READERSTATE state{};
        state.szReader = readers[i].c_str();
        state.dwCurrentState = SCARD_STATE_UNAWARE;
        if (SCardGetStatusChange(ctx, 0, &state, 1) != SCARD_S_SUCCESS) continue;
        const DWORD st = state.dwEventState;
        const bool unknown = (st & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) != 0;
        result[i].present = !unknown && (st & SCARD_STATE_PRESENT) != 0;
        result[i].events = static_cast<std::uint32_t>((st >> 16) & 0xFFFF);
    }
    SCardReleaseContext(ctx);
    return result;
}

}  // namespace certwiz::cardsim

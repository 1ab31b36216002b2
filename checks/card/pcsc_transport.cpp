#include "checks/card/pcsc_transport.h"

#include <winscard.h>

#include "checks/pcsc/pcsc_client.h"

namespace certwiz::card {

namespace {
constexpr std::uint32_t kRemovedCard = 0x80100069;  // SCARD_W_REMOVED_CARD
constexpr std::uint32_t kNoSmartcard = 0x8010000C;  // SCARD_E_NO_SMARTCARD
constexpr std::uint32_t kResetCard = 0x80100068;    // SCARD_W_RESET_CARD
constexpr std::uint32_t kSharing = 0x8010000B;      // SCARD_E_SHARING_VIOLATION
// ISO 7816-3's longest ATR; pcsc-lite names it MAX_ATR_SIZE, Windows SCARD_ATR_LENGTH.
constexpr DWORD kMaxAtrSize = 33;

Error classify(long rv, std::string_view call) {
  const auto v = static_cast<std::uint32_t>(rv);
  const std::string detail = std::string(call) + ": " + pcsc::scard_error_name(rv) + " (" + pcsc::scard_error_hex(rv) + ")";
  if (v == kRemovedCard || v == kNoSmartcard) return Error{"CARD-READ-REMOVED", detail};
  if (v == kResetCard) return Error{"CARD-READ-RESET", detail};
  if (v == kSharing) return Error{"CARD-READ-BUSY", detail};
  return pcsc::scard_error(rv, call, "CARD-READ-NO-ANSWER");
}
}  // namespace

Expected<std::unique_ptr<PcscCardConnection>> PcscCardConnection::open(const std::string& reader) {
  std::unique_ptr<PcscCardConnection> c(new PcscCardConnection());
  c->reader_ = reader;
  SCARDCONTEXT ctx = 0;
  LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
  if (rv != SCARD_S_SUCCESS) return pcsc::scard_error(rv, "SCardEstablishContext");
  c->context_ = static_cast<std::intptr_t>(ctx);
  SCARDHANDLE card = 0;
  DWORD proto = 0;
  rv = SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
  if (rv != SCARD_S_SUCCESS) return classify(rv, "SCardConnect");
  c->card_ = static_cast<std::intptr_t>(card);
  c->protocol_ = proto;
  rv = SCardBeginTransaction(card);
  if (rv != SCARD_S_SUCCESS) return classify(rv, "SCardBeginTransaction");
  c->in_transaction_ = true;
  char name[512];
  DWORD name_len = sizeof name, state = 0, p = 0;
  BYTE atr[kMaxAtrSize];
  DWORD atr_len = sizeof atr;
  if (SCardStatus(card, name, &name_len, &state, &p, atr, &atr_len) == SCARD_S_SUCCESS) c->atr_.assign(atr, atr + atr_len);
  return c;
}

PcscCardConnection::~PcscCardConnection() {
  if (card_) {
    if (in_transaction_) SCardEndTransaction(static_cast<SCARDHANDLE>(card_), SCARD_LEAVE_CARD);
    SCardDisconnect(static_cast<SCARDHANDLE>(card_), SCARD_LEAVE_CARD);
  }
  if (context_) SCardReleaseContext(static_cast<SCARDCONTEXT>(context_));
}

bool PcscCardConnection::card_left() const {
  // The reader may need a moment to notice: watch it for up to half a second.
  SCARD_READERSTATE rs{};
  rs.szReader = reader_.c_str();
  rs.dwCurrentState = SCARD_STATE_UNAWARE;
  for (int i = 0; i < 5; ++i) {
    const LONG rv = SCardGetStatusChange(static_cast<SCARDCONTEXT>(context_), i == 0 ? 0 : 100, &rs, 1);
    if (rv == SCARD_S_SUCCESS && (rs.dwEventState & SCARD_STATE_EMPTY)) return true;
    if (rv == SCARD_S_SUCCESS) rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
    else if (rv != static_cast<LONG>(SCARD_E_TIMEOUT)) return false;
  }
  return false;
}

Error PcscCardConnection::transmit_error(long rv) {
  Error e = classify(rv, "SCardTransmit");
  // A card pulled out mid-command can surface as a communication error: ask the
  // reader whether the card is still there before blaming the card.
  if (e.code == "CARD-READ-NO-ANSWER" && card_left()) e.code = "CARD-READ-REMOVED";
  return e;
}

Expected<Bytes> PcscCardConnection::transmit(const Bytes& command) {
  BYTE resp[258 + 2];
  DWORD len = sizeof resp;
  const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  const LONG rv = SCardTransmit(static_cast<SCARDHANDLE>(card_), pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                                resp, &len);
  if (rv != SCARD_S_SUCCESS) return transmit_error(rv);
  // No status word at all: a card leaving the reader mid-command (vpcd answers so), or a mute card.
  if (len < 2 && card_left())
    return Error{"CARD-READ-REMOVED", "SCardTransmit: " + std::to_string(len) + " byte(s), then the reader was empty"};
  return Bytes(resp, resp + len);
}

Expected<std::vector<std::string>> readers_with_card() {
  auto ctx = pcsc::PcscContext::establish();
  if (!ctx) return ctx.error();
  auto names = ctx->list_readers();
  if (!names) return names.error();
  auto states = ctx->states(*names);
  if (!states) return states.error();
  std::vector<std::string> out;
  for (const auto& s : *states)
    if (s.card_present()) out.push_back(s.name);
  return out;
}

}  // namespace certwiz::card

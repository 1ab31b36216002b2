#include "checks/pcsc/pcsc_client.h"

#include <winscard.h>

#include <cstdio>
#include <cstring>

namespace certwiz::pcsc {

namespace {
SCARDCONTEXT ctx_of(std::intptr_t h) { return static_cast<SCARDCONTEXT>(h); }

struct ErrorName {
  std::uint32_t value;
  const char* name;
};
// The errors a diagnosis can meet; names as in the PC/SC headers.
constexpr ErrorName kErrorNames[] = {
    {0x80100001, "SCARD_F_INTERNAL_ERROR"},   {0x80100002, "SCARD_E_CANCELLED"},
    {0x80100003, "SCARD_E_INVALID_HANDLE"},   {0x80100004, "SCARD_E_INVALID_PARAMETER"},
    {0x80100006, "SCARD_E_NO_MEMORY"},        {0x80100007, "SCARD_F_WAITED_TOO_LONG"},
    {0x80100008, "SCARD_E_INSUFFICIENT_BUFFER"}, {0x80100009, "SCARD_E_UNKNOWN_READER"},
    {0x8010000A, "SCARD_E_TIMEOUT"},          {0x8010000B, "SCARD_E_SHARING_VIOLATION"},
    {0x8010000C, "SCARD_E_NO_SMARTCARD"},     {0x8010000F, "SCARD_E_PROTO_MISMATCH"},
    {0x80100010, "SCARD_E_NOT_READY"},        {0x80100011, "SCARD_E_INVALID_VALUE"},
    {0x80100013, "SCARD_F_COMM_ERROR"},       {0x80100014, "SCARD_F_UNKNOWN_ERROR"},
    {0x80100017, "SCARD_E_READER_UNAVAILABLE"}, {0x8010001D, "SCARD_E_NO_SERVICE"},
    {0x8010001E, "SCARD_E_SERVICE_STOPPED"},  {0x8010001F, "SCARD_E_UNSUPPORTED_FEATURE"},
    {0x80100027, "SCARD_E_NO_ACCESS"},        {0x8010002E, "SCARD_E_NO_READERS_AVAILABLE"},
    {0x8010002F, "SCARD_E_COMM_DATA_LOST"},   {0x80100031, "SCARD_E_SERVER_TOO_BUSY"},
    {0x80100065, "SCARD_W_UNSUPPORTED_CARD"}, {0x80100066, "SCARD_W_UNRESPONSIVE_CARD"},
    {0x80100067, "SCARD_W_UNPOWERED_CARD"},   {0x80100068, "SCARD_W_RESET_CARD"},
    {0x80100069, "SCARD_W_REMOVED_CARD"},
};
}  // namespace

std::string scard_error_hex(long rv) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", static_cast<unsigned>(static_cast<std::uint32_t>(rv)));
  return b;
}

std::string scard_error_name(long rv) {
  const auto v = static_cast<std::uint32_t>(rv);
  if (v == 0) return "SCARD_S_SUCCESS";
  for (const auto& e : kErrorNames)
    if (e.value == v) return e.name;
  return scard_error_hex(rv);
}

Error scard_error(long rv, std::string_view call, std::string_view fallback) {
  const auto v = static_cast<std::uint32_t>(rv);
  std::string code(fallback);
  if (v == 0x8010001D || v == 0x8010001E) code = "PCSC-NO-SERVICE";       // not running / stopped
  else if (v == 0x80100027) code = "PCSC-ACCESS-DENIED";                  // polkit said no
  else if (v == 0x8010002E) code = "PCSC-NO-READER";
  else if (v == 0x80100001 || v == 0x80100006 || v == 0x80100013 || v == 0x80100014 || v == 0x80100031)
    code = "PCSC-SERVICE-ERROR";
  return Error{code, std::string(call) + ": " + scard_error_name(rv) + " (" + scard_error_hex(rv) + ")"};
}

std::string ReaderState::state() const {
  const unsigned long s = event_state;
  if (s & SCARD_STATE_UNAVAILABLE) return "unavailable";
  if (s & SCARD_STATE_UNKNOWN) return "unknown";
  if (s & SCARD_STATE_MUTE) return "mute";
  if (s & SCARD_STATE_EMPTY) return "empty";
  if (s & SCARD_STATE_EXCLUSIVE) return "exclusive";
  if (s & SCARD_STATE_INUSE) return "inuse";
  if (s & SCARD_STATE_PRESENT) return "present";
  return "unknown";
}

bool ReaderState::card_present() const { return (event_state & SCARD_STATE_PRESENT) && !(event_state & SCARD_STATE_MUTE); }

Expected<PcscContext> PcscContext::establish() {
  SCARDCONTEXT ctx = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
  if (rv != SCARD_S_SUCCESS) return scard_error(rv, "SCardEstablishContext");
  PcscContext c;
  c.handle_ = static_cast<std::intptr_t>(ctx);
  c.valid_ = true;
  return c;
}

PcscContext::PcscContext(PcscContext&& o) noexcept : handle_(o.handle_), valid_(o.valid_) { o.valid_ = false; }
PcscContext& PcscContext::operator=(PcscContext&& o) noexcept {
  if (this != &o) {
    if (valid_) SCardReleaseContext(ctx_of(handle_));
    handle_ = o.handle_;
    valid_ = o.valid_;
    o.valid_ = false;
  }
  return *this;
}
PcscContext::~PcscContext() {
  if (valid_) SCardReleaseContext(ctx_of(handle_));
}

Expected<std::vector<std::string>> PcscContext::list_readers() const {
  DWORD len = 0;
  LONG rv = SCardListReaders(ctx_of(handle_), nullptr, nullptr, &len);
  if (rv == static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)) return std::vector<std::string>{};
  if (rv != SCARD_S_SUCCESS) return scard_error(rv, "SCardListReaders", "PCSC-LIST-FAILED");
  std::string buf(len, '\0');
  rv = SCardListReaders(ctx_of(handle_), nullptr, buf.data(), &len);
  if (rv == static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)) return std::vector<std::string>{};
  if (rv != SCARD_S_SUCCESS) return scard_error(rv, "SCardListReaders", "PCSC-LIST-FAILED");
  buf.resize(std::min<size_t>(len, buf.size()));
  std::vector<std::string> out;
  for (size_t i = 0; i < buf.size();) {  // multi-string: names separated by NUL, ends with NUL NUL
    const size_t end = buf.find('\0', i);
    const size_t stop = end == std::string::npos ? buf.size() : end;
    if (stop > i) out.push_back(buf.substr(i, stop - i));
    i = stop + 1;
  }
  return out;
}

Expected<std::vector<ReaderState>> PcscContext::states(const std::vector<std::string>& readers) const {
  std::vector<ReaderState> out;
  if (readers.empty()) return out;
  std::vector<SCARD_READERSTATE> rs(readers.size());
  for (size_t i = 0; i < readers.size(); ++i) {
    std::memset(&rs[i], 0, sizeof rs[i]);
    rs[i].szReader = readers[i].c_str();
    rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  const LONG rv = SCardGetStatusChange(ctx_of(handle_), 0, rs.data(), static_cast<DWORD>(rs.size()));
  if (rv != SCARD_S_SUCCESS && rv != static_cast<LONG>(SCARD_E_TIMEOUT))
    return scard_error(rv, "SCardGetStatusChange", "PCSC-LIST-FAILED");
  for (size_t i = 0; i < readers.size(); ++i) {
    ReaderState s;
    s.name = readers[i];
    s.event_state = rs[i].dwEventState;
    const size_t n = std::min<size_t>(rs[i].cbAtr, sizeof rs[i].rgbAtr);
    if (s.card_present() || (s.event_state & SCARD_STATE_PRESENT)) s.atr.assign(rs[i].rgbAtr, rs[i].rgbAtr + n);
    out.push_back(std::move(s));
  }
  return out;
}

Expected<std::uint16_t> PcscContext::select_aid(const std::string& reader, const Bytes& aid) const {
  SCARDHANDLE card = 0;
  DWORD proto = 0;
  LONG rv = SCardConnect(ctx_of(handle_), reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
  if (rv != SCARD_S_SUCCESS) return scard_error(rv, "SCardConnect", "PCSC-READER-EXCLUSIVE");
  // A transaction keeps another program's APDUs from interleaving with this one.
  rv = SCardBeginTransaction(card);
  if (rv != SCARD_S_SUCCESS) {
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    return scard_error(rv, "SCardBeginTransaction", "PCSC-READER-EXCLUSIVE");
  }
  Bytes apdu{0x00, 0xA4, 0x04, 0x00, static_cast<std::uint8_t>(aid.size())};
  apdu.insert(apdu.end(), aid.begin(), aid.end());
  // Case 4 under T=1 carries Le; under T=0 the card answers 61xx and Le is not sent.
  if (proto != SCARD_PROTOCOL_T0) apdu.push_back(0x00);
  std::uint8_t resp[258];
  DWORD resp_len = sizeof resp;
  const SCARD_IO_REQUEST* pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  rv = SCardTransmit(card, pci, apdu.data(), static_cast<DWORD>(apdu.size()), nullptr, resp, &resp_len);
  SCardEndTransaction(card, SCARD_LEAVE_CARD);
  SCardDisconnect(card, SCARD_LEAVE_CARD);
  if (rv != SCARD_S_SUCCESS) return scard_error(rv, "SCardTransmit", "CARD-MUTE");
  if (resp_len < 2) return Error{"CARD-MUTE", "SELECT answered " + std::to_string(resp_len) + " bytes"};
  return static_cast<std::uint16_t>(resp[resp_len - 2] << 8 | resp[resp_len - 1]);
}

}  // namespace certwiz::pcsc

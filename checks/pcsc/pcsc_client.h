#pragma once
// A thin RAII layer over the PC/SC API (pcsc-lite's winscard): context, reader list,
// reader states with ATRs, and the one read-only APDU CertWiz sends (SELECT by AID).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "checks/pcsc/atr.h"

namespace certwiz::pcsc {

// "SCARD_E_NO_SERVICE" for 0x8010001D; "0x........" for values it does not know.
std::string scard_error_name(long rv);
std::string scard_error_hex(long rv);
// The catalogue code for a PC/SC error from `call` (detail names the call and the error).
// `fallback` is used for errors that are not about the service as a whole.
Error scard_error(long rv, std::string_view call, std::string_view fallback = "PCSC-SERVICE-ERROR");

struct ReaderState {
  std::string name;
  unsigned long event_state = 0;  // SCARD_STATE_* bits
  Bytes atr;
  // "empty", "present", "inuse", "exclusive", "mute", "unavailable", "unknown"
  std::string state() const;
  bool card_present() const;
};

class PcscContext {
 public:
  static Expected<PcscContext> establish();
  PcscContext(PcscContext&&) noexcept;
  PcscContext& operator=(PcscContext&&) noexcept;
  ~PcscContext();

  // Empty when there is no reader (SCARD_E_NO_READERS_AVAILABLE is not an error here).
  Expected<std::vector<std::string>> list_readers() const;
  // Current state of each reader, without waiting.
  Expected<std::vector<ReaderState>> states(const std::vector<std::string>& readers) const;
  // SELECT by AID (00 A4 04 00 Lc AID 00) in shared mode inside a transaction; the card is
  // left as it is (no reset, so other programs' sessions survive). Returns SW1 SW2.
  // This is the only command CertWiz sends at this level, and it is read-only. Never
  // VERIFY (not even with empty data, the usual "tries left" query): how HiCOS cards
  // count it is not documented, the card locks after 3 wrong PINs and only the issuer
  // can unlock it; PIN handling belongs to the PKCS#11 layer's PinGuard.
  Expected<std::uint16_t> select_aid(const std::string& reader, const Bytes& aid) const;

 private:
  PcscContext() = default;
  std::intptr_t handle_ = 0;
  bool valid_ = false;
};

}  // namespace certwiz::pcsc

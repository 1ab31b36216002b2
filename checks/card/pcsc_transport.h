#pragma once
// The card in one PC/SC reader as a CardTransport: shared mode (a running vendor module
// or local component keeps its own connection) and one transaction around the whole
// read (their APDUs never interleave with ours); the card is left as it was, never reset.
#include <memory>
#include <string>

#include "checks/card/apdu.h"

namespace certwiz::card {

class PcscCardConnection : public CardTransport {
 public:
  // CARD-READ-BUSY when another program holds the card exclusively, CARD-READ-REMOVED
  // when the reader is empty, a PCSC-* code when the service fails.
  static Expected<std::unique_ptr<PcscCardConnection>> open(const std::string& reader);
  ~PcscCardConnection() override;
  PcscCardConnection(const PcscCardConnection&) = delete;
  PcscCardConnection& operator=(const PcscCardConnection&) = delete;

  // Transport errors: CARD-READ-REMOVED (the card left the reader), CARD-READ-RESET
  // (another program reset it), CARD-READ-NO-ANSWER, PCSC-*.
  Expected<Bytes> transmit(const Bytes& command) override;
  const Bytes& atr() const { return atr_; }

 private:
  PcscCardConnection() = default;
  Error transmit_error(long rv);
  bool card_left() const;  // the reader reports no card (within half a second)
  std::intptr_t context_ = 0, card_ = 0;
  unsigned long protocol_ = 0;
  bool in_transaction_ = false;
  std::string reader_;
  Bytes atr_;
};

// The readers that report a card present, in PC/SC order (empty when none).
Expected<std::vector<std::string>> readers_with_card();

}  // namespace certwiz::card

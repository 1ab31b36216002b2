// libFuzzer target: read_card_contents over a card whose answers are the input, split
// into responses by a one-byte length prefix. Checks that the read ends, that nothing
// outside the allow-list reaches the card, and that every error carries a code.
#include <cstddef>
#include <cstdint>

#include "checks/card/card_file_system.h"

namespace {
using namespace certwiz::card;

class InputCard : public CardTransport {
 public:
  InputCard(const std::uint8_t* d, size_t n) : d_(d), n_(n) {}
  certwiz::Expected<Bytes> transmit(const Bytes& command) override {
    if (read_only_refusal(command)) __builtin_trap();  // the channel let a write through
    if (++count_ > 5000) __builtin_trap();              // a read must end
    if (pos_ >= n_) return certwiz::Error{"CARD-READ-REMOVED", "input exhausted"};
    size_t len = d_[pos_++];
    if (len > n_ - pos_) len = n_ - pos_;
    Bytes out(d_ + pos_, d_ + pos_ + len);
    pos_ += len;
    return out;
  }

 private:
  const std::uint8_t* d_;
  size_t n_, pos_ = 0, count_ = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  ApduChannel channel(std::make_unique<InputCard>(data, size));
  auto c = read_card_contents(channel);
  if (!c) {
    if (c.error().code.empty()) __builtin_trap();
  } else {
    for (const auto& cert : c->certificates)
      if (cert.der.empty() == cert.problem_code.empty()) __builtin_trap();
  }
  (void)trace_to_json(channel.trace(), true).dump();
  return 0;
}

#pragma once
// Live reader and card events: a thread waits in SCardGetStatusChange on every reader
// plus "\\?PnP?\\Notification" and reports readers added/removed and cards inserted
// (with ATR) or removed, as pcscd sees them (its poll is ~0.4 s, so well under 1 s).
// stop() cancels the wait with SCardCancel and joins. The GUI and `certwiz watch` use it.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "checks/core/result.h"
#include "checks/pcsc/atr.h"

namespace certwiz::pcsc {

struct ReaderEvent {
  enum class Kind { reader_added, reader_removed, card_inserted, card_removed, card_mute, service_lost, service_back };
  Kind kind;
  std::string reader;   // empty for service events
  Bytes atr;            // card_inserted
  bool initial = false; // part of the snapshot taken when the watch started
  std::chrono::steady_clock::time_point at;
};

std::string_view kind_name(ReaderEvent::Kind k);  // "reader-added", "card-inserted", ...
Json to_json(const ReaderEvent& e);

class ReaderWatch {
 public:
  // Called on the watch thread; keep it short (marshal to your own thread).
  using Callback = std::function<void(const ReaderEvent&)>;
  explicit ReaderWatch(Callback on_event);
  ~ReaderWatch();  // stop()
  ReaderWatch(const ReaderWatch&) = delete;
  ReaderWatch& operator=(const ReaderWatch&) = delete;

  // Connects to PC/SC and starts the thread; the first events are the current readers
  // and cards (initial=true). Error PCSC-NO-SERVICE etc. when PC/SC is not reachable.
  // While running, a lost service is reported (service_lost) and re-tried every 500 ms.
  Expected<bool> start();
  void stop();
  bool running() const;

 private:
  struct State;
  std::shared_ptr<State> s_;
};

}  // namespace certwiz::pcsc

#pragma once
// ISO/IEC 7816-4 command/response handling for reading a card, read-only by construction:
// every command goes through ApduChannel::send, which refuses anything outside the
// allow-list (read_only_refusal) before it reaches the transport. Nothing else in
// CertWiz holds the transport once a channel owns it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checks/core/result.h"
#include "checks/pcsc/atr.h"

namespace certwiz::card {

using pcsc::Bytes;

// Status words this layer gives a meaning to.
inline constexpr std::uint16_t kSwOk = 0x9000;
inline constexpr std::uint16_t kSwFileNotFound = 0x6A82;
inline constexpr std::uint16_t kSwWrongOffset = 0x6B00;        // offset beyond the end of the file
inline constexpr std::uint16_t kSwEndOfFile = 0x6282;          // fewer bytes than Le before the end
inline constexpr std::uint16_t kSwSmDataObjectsBad = 0x6987;   // on READ BINARY: ask for fewer bytes

struct Command {
  std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  Bytes data;
  std::optional<std::uint16_t> le;  // 0..256 (short APDUs only); 256 is encoded as 00
  Bytes encode() const;
};

struct Response {
  Bytes data;
  std::uint16_t sw = 0;
  bool ok() const { return sw == kSwOk; }
};

// What reaches the reader: raw command bytes in, raw response bytes (data + SW1 SW2) out.
// An interface so unit tests and fuzzers can feed recorded or crafted answers.
class CardTransport {
 public:
  virtual ~CardTransport() = default;
  virtual Expected<Bytes> transmit(const Bytes& command) = 0;
};

// The allow-list: SELECT (A4), READ BINARY (B0, B1), READ RECORD (B2, B3), GET RESPONSE (C0),
// GET DATA (CA, CB), with a class byte that is interindustry (0x00-0x03) or the
// proprietary 0x80-0x83 HiCOS gen1 uses, never secure messaging (b4-b3), chaining (b5)
// or the further interindustry classes 0x40-0x7F. Returns why a command is refused,
// nullopt when it may be sent.
std::optional<std::string> read_only_refusal(std::span<const std::uint8_t> command);

struct TraceEntry {
  Bytes command;
  Bytes response_data;
  std::uint16_t sw = 0;
  std::string purpose;  // "select", "cdf", "tokeninfo", "certificate", ...
  double ms = 0;
};

// One card session's APDUs. Handles 61xx (GET RESPONSE) and 6Cxx (resend with the
// card's Le); keeps a trace of every exchange.
class ApduChannel {
 public:
  explicit ApduChannel(std::unique_ptr<CardTransport> transport) : transport_(std::move(transport)) {}
  // CARD-READ-REFUSED-APDU for a command outside the allow-list (nothing is sent);
  // the transport's error (removed, reset, ...) or CARD-READ-NO-ANSWER otherwise.
  Expected<Response> send(const Command& command, std::string_view purpose);
  const std::vector<TraceEntry>& trace() const { return trace_; }
  size_t apdu_count() const { return trace_.size(); }

 private:
  Expected<Response> exchange(const Bytes& raw, std::string_view purpose);
  std::unique_ptr<CardTransport> transport_;
  std::vector<TraceEntry> trace_;
};

std::string sw_hex(std::uint16_t sw);  // "6A 82"

// The trace as JSON. With `redact`, response bodies become "sha256:<hex> (<n> bytes)":
// they hold certificates and the holder's name.
Json trace_to_json(const std::vector<TraceEntry>& trace, bool redact);

}  // namespace certwiz::card

#include "checks/card/apdu.h"

#include <openssl/evp.h>

#include <cmath>
#include <cstdio>

namespace certwiz::card {

namespace {
constexpr std::uint8_t kAllowedIns[] = {
    0xA4,        // SELECT
    0xB0, 0xB1,  // READ BINARY
    0xB2, 0xB3,  // READ RECORD
    0xC0,        // GET RESPONSE
    0xCA, 0xCB,  // GET DATA
};
constexpr int kMaxGetResponses = 64;  // 64 x 256 bytes: far more than any file read here

std::string hex_compact(std::span<const std::uint8_t> b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto v : b) {
    s += d[v >> 4];
    s += d[v & 15];
  }
  return s;
}

std::string sha256_hex(std::span<const std::uint8_t> b) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(b.data(), b.size(), md, &n, EVP_sha256(), nullptr) != 1) return "unavailable";
  return hex_compact({md, n});
}
}  // namespace

Bytes Command::encode() const {
  Bytes out{cla, ins, p1, p2};
  if (!data.empty()) {
    out.push_back(static_cast<std::uint8_t>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
  }
  if (le) out.push_back(static_cast<std::uint8_t>(*le & 0xFF));  // 256 → 00
  return out;
}

std::optional<std::string> read_only_refusal(std::span<const std::uint8_t> command) {
  if (command.size() < 4) return "shorter than a command header";
  const std::uint8_t cla = command[0], ins = command[1];
  char b[96];
  // 0x7C covers the further-interindustry range (b7), chaining (b5) and secure messaging (b4-b3);
  // what is left is 0x00-0x03 and the proprietary 0x80-0x83, plain, on any basic channel.
  if (cla == 0xFF || (cla & 0x7C) != 0) {
    std::snprintf(b, sizeof b, "class byte %02X (secure messaging, chaining or not a plain class)", cla);
    return std::string(b);
  }
  for (auto allowed : kAllowedIns)
    if (ins == allowed) return std::nullopt;
  std::snprintf(b, sizeof b, "instruction %02X is not a read", ins);
  return std::string(b);
}

std::string sw_hex(std::uint16_t sw) {
  char b[8];
  std::snprintf(b, sizeof b, "%02X %02X", sw >> 8, sw & 0xFF);
  return b;
}

Expected<Response> ApduChannel::exchange(const Bytes& raw, std::string_view purpose) {
  // The one place a command reaches the transport.
  if (auto why = read_only_refusal(raw)) return Error{"CARD-READ-REFUSED-APDU", pcsc::hex_spaced(raw) + ": " + *why};
  const auto start = std::chrono::steady_clock::now();
  auto answer = transport_->transmit(raw);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  TraceEntry entry{raw, {}, 0, std::string(purpose), ms};
  if (!answer) {
    trace_.push_back(std::move(entry));
    return answer.error();
  }
  if (answer->size() < 2) {
    trace_.push_back(std::move(entry));
    return Error{"CARD-READ-NO-ANSWER", pcsc::hex_spaced(raw) + ": the card answered " + std::to_string(answer->size()) + " byte(s)"};
  }
  Response r;
  r.sw = static_cast<std::uint16_t>((*answer)[answer->size() - 2] << 8 | (*answer)[answer->size() - 1]);
  r.data.assign(answer->begin(), answer->end() - 2);
  entry.response_data = r.data;
  entry.sw = r.sw;
  trace_.push_back(std::move(entry));
  return r;
}

Expected<Response> ApduChannel::send(const Command& command, std::string_view purpose) {
  auto r = exchange(command.encode(), purpose);
  if (!r) return r;
  if ((r->sw >> 8) == 0x6C) {
    // Wrong Le: the card says how many bytes it has; ask again once with that.
    Command again = command;
    again.le = (r->sw & 0xFF) == 0 ? 256 : (r->sw & 0xFF);
    r = exchange(again.encode(), purpose);
    if (!r) return r;
  }
  Bytes data = std::move(r->data);
  std::uint16_t sw = r->sw;
  for (int i = 0; (sw >> 8) == 0x61; ++i) {
    if (i == kMaxGetResponses)
      return Error{"CARD-READ-FAILED", "the card asked for more than " + std::to_string(kMaxGetResponses) + " GET RESPONSE"};
    const Command get{0x00, 0xC0, 0x00, 0x00, {}, static_cast<std::uint16_t>((sw & 0xFF) == 0 ? 256 : (sw & 0xFF))};
    auto more = exchange(get.encode(), purpose);
    if (!more) return more;
    data.insert(data.end(), more->data.begin(), more->data.end());
    sw = more->sw;
  }
  return Response{std::move(data), sw};
}

Json trace_to_json(const std::vector<TraceEntry>& trace, bool redact) {
  Json out = Json::array();
  for (const auto& e : trace) {
    Json j{{"purpose", e.purpose}, {"command", pcsc::hex_spaced(e.command)}, {"sw", sw_hex(e.sw)}};
    if (e.response_data.empty()) j["response"] = "";
    else if (redact && e.purpose != "select")
      j["response"] = "sha256:" + sha256_hex(e.response_data) + " (" + std::to_string(e.response_data.size()) + " bytes)";
    else j["response"] = pcsc::hex_spaced(e.response_data);
    j["ms"] = std::round(e.ms * 100) / 100;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace certwiz::card

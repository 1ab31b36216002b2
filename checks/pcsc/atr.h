#pragma once
// ISO/IEC 7816-3 answer-to-reset (ATR) decoding, with the historical bytes read as
// ISO/IEC 7816-4 category indicator + compact-TLV where they follow that format.
// Pure functions: no PC/SC, no I/O, safe on any input (fuzzed).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::pcsc {

using Bytes = std::vector<std::uint8_t>;

inline constexpr size_t kAtrMaxLength = 33;  // TS + 32 bytes (ISO/IEC 7816-3 §8.2.1)

// "3B 95 13", "3b9513", "3B:95:13" → bytes. Error ATR-MALFORMED on odd digits or junk.
Expected<Bytes> parse_hex_bytes(std::string_view text);
// "3B 95 13" (upper case, single spaces): the form pcsc-tools and this project print.
std::string hex_spaced(std::span<const std::uint8_t> bytes);

enum class Convention { direct, inverse };

// One interface byte, e.g. TA1, with what ISO/IEC 7816-3 says it means here.
struct InterfaceByte {
  std::string name;        // "TA1", "TD2", ...
  std::uint8_t value = 0;
  int level = 0;           // the i in TAi
  // The protocol the byte belongs to: -1 global (levels 1 and 2), else the T of TD(i-1)
  // (15 = global interface bytes).
  int protocol = -1;
  std::string meaning;     // English, e.g. "Fi=372 (f max 5 MHz), Di=4"
};

struct CompactTlv {
  std::uint8_t tag = 0;   // high nibble of the header byte
  std::string tag_name;   // "country code", "card capabilities", ...
  Bytes value;
};

struct HistoricalBytes {
  Bytes bytes;
  // "none", "status-at-end" (0x00), "dir-reference" (0x10), "compact-tlv" (0x80),
  // "rfu" (0x81..0x8F) or "proprietary".
  std::string category;
  std::vector<CompactTlv> tlv;          // when the category says compact-TLV
  bool tlv_well_formed = false;         // every TLV object fit (else objects so far)
  std::optional<std::uint8_t> lifecycle_status;  // status indicator LCS
  std::optional<std::uint16_t> status_word;      // status indicator SW1 SW2
  std::optional<std::uint8_t> dir_reference;     // category 0x10
  std::string printable;   // bytes shown as ASCII where printable, '.' otherwise
  // The longest run of printable ASCII letters/digits (>= 3), e.g. "CHTMOICA";
  // what identification by historical bytes reads.
  std::string text;
};

struct AtrInfo {
  Bytes bytes;
  Convention convention = Convention::direct;
  std::uint8_t t0 = 0;
  std::uint8_t y1 = 0;          // high nibble of T0: which of TA1..TD1 follow
  std::uint8_t k = 0;           // number of historical bytes
  std::vector<InterfaceByte> interface_bytes;

  // Global parameters (defaults when the byte is absent are ISO's).
  std::uint8_t fi_index = 1, di_index = 1;  // TA1 nibbles (default 0x11)
  std::optional<int> fi, di;                // nullopt when the index is RFU
  std::optional<double> f_max_mhz;
  bool ta1_present = false;
  int extra_guard_time = 0;     // N from TC1 (255 = minimum guard time)
  std::optional<std::uint8_t> specific_mode;  // TA2
  bool specific_mode_can_change = false;
  std::optional<int> specific_mode_protocol;
  int wi = 10;                  // TC2, T=0 waiting integer
  // T=1 parameters from the first T=1 interface bytes.
  std::optional<int> ifsc, bwi, cwi;
  std::string t1_error_detection;   // "LRC" / "CRC" when T=1 is offered
  // From the first T=15 global interface bytes.
  std::optional<std::string> clock_stop;   // "not supported", "state L", "state H", "no preference"
  std::vector<std::string> classes;        // "A (5 V)", "B (3 V)", "C (1.8 V)"

  std::vector<int> protocols;   // offered, in order, without 15; {0} when TD1 is absent
  HistoricalBytes historical;
  bool tck_required = false;
  std::optional<std::uint8_t> tck;
  std::vector<std::string> notes;  // oddities that are not errors (deprecated bytes, RFU values)

  Json to_json() const;
};

// Decodes an ATR. Errors have code ATR-MALFORMED and a detail starting with one of:
// "empty", "too short", "too long", "bad TS", "truncated interface bytes",
// "truncated historical bytes", "missing TCK", "bad TCK", "trailing bytes".
Expected<AtrInfo> decode_atr(std::span<const std::uint8_t> atr);

// The compact-TLV tag name for a nibble (ISO/IEC 7816-4 §8.1.1.2).
std::string_view compact_tlv_tag_name(std::uint8_t tag);

}  // namespace certwiz::pcsc

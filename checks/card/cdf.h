#pragma once
// The card's PKCS#15 directory files as HiCOS cards hold them: the certificate
// directory (CDF: CertificateInfo records with label, iD, path, index, length and the
// subject / issuer / serial of each certificate) and TokenInfo (serial number, label).
// Pure functions over bytes: no card, no I/O, safe on any input (fuzzed).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checks/card/apdu.h"

namespace certwiz::card {

// A PKCS#15 Path: the file (FIDs from the MF, or from 7FFF = "the applet" on gen2) and,
// for certificates packed into one EF, the slice of it (index, length).
struct CardPath {
  Bytes path;
  std::optional<std::uint32_t> index;
  std::optional<std::uint32_t> length;
  std::string to_string() const;  // "3F00/5030/08F2 [0x0000+0x0608]"
};

struct CdfRecord {
  std::string label;
  Bytes id;                  // iD, e.g. 53 49 47 4E ("SIGN")
  bool authority = false;    // a CA certificate
  CardPath path;
  std::string subject;       // one line, RFC 2253 order; empty when the record has none
  std::string issuer;
  std::string serial_hex;    // upper case, no separators; empty when absent
};

struct CdfParse {
  std::vector<CdfRecord> records;
  // Records that could not be read, one line each (the rest are still listed).
  std::vector<std::string> problems;
  size_t content_length = 0;     // bytes up to the padding (or the end)
  bool ended_in_padding = false;  // 00 or FF at a record boundary
};

// How far `data` holds whole DER records: the offset after the last whole record.
// `complete` is set when padding (00 or FF) follows it, `broken` when the bytes there
// are not DER at all (reading further will not help).
size_t der_records_extent(std::span<const std::uint8_t> data, bool& complete, bool& broken);

CdfParse parse_cdf(std::span<const std::uint8_t> data);

struct TokenInfo {
  int version = 0;
  std::string serial;         // printable as on the card, else hex
  std::string manufacturer;
  std::string label;
};
// CARD-CDF-MALFORMED when the bytes are not a TokenInfo.
Expected<TokenInfo> parse_token_info(std::span<const std::uint8_t> data);

// The length of the DER element starting at data[0] (header + content), when the
// header is complete; used to read a certificate whose path has no length.
std::optional<size_t> der_element_length(std::span<const std::uint8_t> data);

std::string hex_upper(std::span<const std::uint8_t> b);

}  // namespace certwiz::card

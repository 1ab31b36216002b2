#include "checks/card/cdf.h"

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <cstdio>

namespace certwiz::card {

namespace {

enum class TlvStatus { ok, truncated, invalid };

struct Tlv {
  std::uint8_t tag = 0;
  size_t size = 0;  // header + value
  std::span<const std::uint8_t> value;
};

// One DER element with a one-byte tag and a definite length of at most 3 bytes
// (16 MB: far beyond any card file).
TlvStatus read_tlv(std::span<const std::uint8_t> in, Tlv& out) {
  if (in.size() < 2) return TlvStatus::truncated;
  const std::uint8_t tag = in[0];
  if ((tag & 0x1F) == 0x1F) return TlvStatus::invalid;  // multi-byte tags: not in these files
  size_t pos = 2, len = in[1];
  if (len & 0x80) {
    const size_t n = len & 0x7F;
    if (n == 0 || n > 3) return TlvStatus::invalid;  // indefinite or absurd
    if (in.size() < 2 + n) return TlvStatus::truncated;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len << 8 | in[2 + i];
    pos += n;
  }
  if (in.size() - pos < len) return TlvStatus::truncated;
  out.tag = tag;
  out.size = pos + len;
  out.value = in.subspan(pos, len);
  return TlvStatus::ok;
}

// Children of a constructed value; false when they do not frame exactly.
bool children(std::span<const std::uint8_t> value, std::vector<Tlv>& out) {
  out.clear();
  while (!value.empty()) {
    Tlv t;
    if (read_tlv(value, t) != TlvStatus::ok) return false;
    out.push_back(t);
    value = value.subspan(t.size);
  }
  return true;
}

std::optional<std::uint32_t> small_uint(std::span<const std::uint8_t> v) {
  if (v.empty() || v.size() > 5 || (v[0] & 0x80)) return std::nullopt;  // negative or too big
  std::uint64_t x = 0;
  for (auto b : v) x = x << 8 | b;
  if (x > 0xFFFFFFFFu) return std::nullopt;
  return static_cast<std::uint32_t>(x);
}

std::string name_text(std::span<const std::uint8_t> contents) {
  // Re-frame as a SEQUENCE (an [0] IMPLICIT Name arrives with tag A0).
  Bytes der{0x30};
  const size_t n = contents.size();
  if (n < 0x80) der.push_back(static_cast<std::uint8_t>(n));
  else if (n < 0x100) der.insert(der.end(), {0x81, static_cast<std::uint8_t>(n)});
  else der.insert(der.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 0xFF)});
  der.insert(der.end(), contents.begin(), contents.end());
  const unsigned char* p = der.data();
  X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size()));
  if (!name) return {};
  std::string out;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
      char* data = nullptr;
      const long len = BIO_get_mem_data(bio, &data);
      if (len > 0) out.assign(data, static_cast<size_t>(len));
    }
    BIO_free(bio);
  }
  X509_NAME_free(name);
  return out;
}

std::string text_or_hex(std::span<const std::uint8_t> v) {
  for (auto b : v)
    if (b < 0x20 || b > 0x7E) return hex_upper(v);
  return std::string(v.begin(), v.end());
}

std::optional<CardPath> parse_path(const Tlv& seq) {
  std::vector<Tlv> parts;
  if (seq.tag != 0x30 || !children(seq.value, parts) || parts.empty() || parts[0].tag != 0x04) return std::nullopt;
  CardPath p;
  p.path.assign(parts[0].value.begin(), parts[0].value.end());
  if (p.path.empty() || p.path.size() % 2 != 0 || p.path.size() > 16) return std::nullopt;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].tag == 0x02) p.index = small_uint(parts[i].value);
    else if (parts[i].tag == 0x80) p.length = small_uint(parts[i].value);
    if (!p.index && parts[i].tag == 0x02) return std::nullopt;
    if (!p.length && parts[i].tag == 0x80) return std::nullopt;
  }
  return p;
}

// One CertificateInfo (x509Certificate choice): CommonObjectAttributes,
// CommonCertificateAttributes, [0] subclass (skipped), [1] X509CertificateAttributes.
std::optional<CdfRecord> parse_record(const Tlv& record, std::string& why) {
  std::vector<Tlv> parts;
  if (record.tag != 0x30) {
    why = "not an X.509 certificate entry (tag " + hex_upper(std::span(&record.tag, 1)) + ")";
    return std::nullopt;
  }
  if (!children(record.value, parts) || parts.size() < 3) {
    why = "record is not three DER parts";
    return std::nullopt;
  }
  CdfRecord r;
  std::vector<Tlv> fields;
  if (parts[0].tag != 0x30 || !children(parts[0].value, fields)) {
    why = "bad common object attributes";
    return std::nullopt;
  }
  for (const auto& f : fields)
    if (f.tag == 0x0C) r.label = text_or_hex(f.value);
  if (parts[1].tag != 0x30 || !children(parts[1].value, fields) || fields.empty() || fields[0].tag != 0x04) {
    why = "bad common certificate attributes (no iD)";
    return std::nullopt;
  }
  r.id.assign(fields[0].value.begin(), fields[0].value.end());
  for (size_t i = 1; i < fields.size(); ++i)
    if (fields[i].tag == 0x01 && fields[i].value.size() == 1) r.authority = fields[i].value[0] != 0;
  const Tlv* type_attrs = nullptr;
  for (size_t i = 2; i < parts.size(); ++i)
    if (parts[i].tag == 0xA1) type_attrs = &parts[i];
  std::vector<Tlv> inner;
  if (!type_attrs || !children(type_attrs->value, inner) || inner.empty() || inner[0].tag != 0x30 ||
      !children(inner[0].value, fields) || fields.empty()) {
    why = "no X.509 certificate attributes";
    return std::nullopt;
  }
  auto path = parse_path(fields[0]);
  if (!path) {
    why = "no usable path";
    return std::nullopt;
  }
  r.path = *path;
  for (size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].tag == 0x30) r.subject = name_text(fields[i].value);
    else if (fields[i].tag == 0xA0) r.issuer = name_text(fields[i].value);
    else if (fields[i].tag == 0x02) r.serial_hex = hex_upper(fields[i].value);
  }
  return r;
}

bool is_padding(std::uint8_t b) { return b == 0x00 || b == 0xFF; }

}  // namespace

std::string hex_upper(std::span<const std::uint8_t> b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (auto v : b) {
    s += d[v >> 4];
    s += d[v & 15];
  }
  return s;
}

std::string CardPath::to_string() const {
  std::string s;
  for (size_t i = 0; i + 1 < path.size(); i += 2) s += (s.empty() ? "" : "/") + hex_upper(std::span(path).subspan(i, 2));
  if (index || length) {
    char b[48];
    std::snprintf(b, sizeof b, " [0x%04X+0x%04X]", index.value_or(0), length.value_or(0));
    s += b;
  }
  return s;
}

size_t der_records_extent(std::span<const std::uint8_t> data, bool& complete, bool& broken) {
  complete = broken = false;
  size_t pos = 0;
  while (pos < data.size()) {
    if (is_padding(data[pos])) {
      complete = true;
      return pos;
    }
    Tlv t;
    const TlvStatus s = read_tlv(data.subspan(pos), t);
    if (s == TlvStatus::truncated) return pos;
    if (s == TlvStatus::invalid) {
      broken = true;
      return pos;
    }
    pos += t.size;
  }
  return pos;
}

CdfParse parse_cdf(std::span<const std::uint8_t> data) {
  CdfParse out;
  size_t pos = 0;
  while (pos < data.size()) {
    if (is_padding(data[pos])) {
      out.ended_in_padding = true;
      break;
    }
    Tlv t;
    const TlvStatus s = read_tlv(data.subspan(pos), t);
    if (s != TlvStatus::ok) {
      char b[96];
      std::snprintf(b, sizeof b, "offset %zu: %s; the rest of the directory is unreadable", pos,
                    s == TlvStatus::truncated ? "record runs past the end" : "not a DER record");
      out.problems.push_back(b);
      break;
    }
    std::string why;
    if (auto r = parse_record(t, why)) out.records.push_back(std::move(*r));
    else out.problems.push_back("offset " + std::to_string(pos) + ": " + why);
    pos += t.size;
  }
  out.content_length = pos;
  return out;
}

Expected<TokenInfo> parse_token_info(std::span<const std::uint8_t> data) {
  Tlv seq;
  std::vector<Tlv> fields;
  if (read_tlv(data, seq) != TlvStatus::ok || seq.tag != 0x30 || !children(seq.value, fields) || fields.size() < 2 ||
      fields[0].tag != 0x02 || fields[1].tag != 0x04)
    return Error{"CARD-CDF-MALFORMED", "TokenInfo (5032) is not a PKCS#15 TokenInfo"};
  TokenInfo ti;
  ti.version = static_cast<int>(small_uint(fields[0].value).value_or(0));
  ti.serial = text_or_hex(fields[1].value);
  for (size_t i = 2; i < fields.size(); ++i) {
    if (fields[i].tag == 0x0C && ti.manufacturer.empty()) ti.manufacturer = text_or_hex(fields[i].value);
    else if (fields[i].tag == 0x80) ti.label = text_or_hex(fields[i].value);
  }
  return ti;
}

std::optional<size_t> der_element_length(std::span<const std::uint8_t> data) {
  if (data.size() < 2) return std::nullopt;
  size_t len = data[1], header = 2;
  if (len & 0x80) {
    const size_t n = len & 0x7F;
    if (n == 0 || n > 3 || data.size() < 2 + n) return std::nullopt;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len << 8 | data[2 + i];
    header += n;
  }
  return header + len;
}

}  // namespace certwiz::card

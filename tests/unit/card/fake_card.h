#pragma once
// A HiCOS-like card in memory for the unit tests: gen1 (CLA 80, MF 3F00, DF 5030, no FCP,
// READ BINARY of at most 200 bytes) or gen2 (the GPPKI applet by AID, CLA 00, SELECT
// with P2=04), with fault switches. It records every command it receives.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checks/card/apdu.h"

namespace certwiz::card::testing {

inline Bytes tlv(std::uint8_t tag, const Bytes& value) {
  Bytes out{tag};
  const size_t n = value.size();
  if (n < 0x80) out.push_back(static_cast<std::uint8_t>(n));
  else if (n < 0x100) out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  else out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 0xFF)});
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A DER SEQUENCE of exactly `total` bytes (total >= 260), filled from `seed`: stands in
// for a certificate where only the framing matters.
inline Bytes fake_certificate(size_t total, std::uint8_t seed) {
  Bytes content(total - 4);
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<std::uint8_t>(seed + i * 7);
  return tlv(0x30, content);
}

inline Bytes path_of(const Bytes& fids, std::optional<std::uint32_t> index, std::optional<std::uint32_t> length) {
  Bytes v = tlv(0x04, fids);
  if (index) v = cat({v, tlv(0x02, *index > 0x7F ? Bytes{static_cast<std::uint8_t>(*index >> 8), static_cast<std::uint8_t>(*index & 0xFF)}
                                                  : Bytes{static_cast<std::uint8_t>(*index)})});
  if (length) v = cat({v, tlv(0x80, {static_cast<std::uint8_t>(*length >> 8), static_cast<std::uint8_t>(*length & 0xFF)})});
  return tlv(0x30, v);
}

// One CDF record (PKCS#15 CertificateInfo, x509Certificate choice).
inline Bytes cdf_record(const std::string& label, const Bytes& id, bool authority, const Bytes& path, const Bytes& extra = {}) {
  Bytes common = tlv(0x30, tlv(0x0C, Bytes(label.begin(), label.end())));
  Bytes cert_attrs = tlv(0x04, id);
  if (authority) cert_attrs = cat({cert_attrs, tlv(0x01, {0xFF})});
  return tlv(0x30, cat({common, tlv(0x30, cert_attrs), tlv(0xA1, tlv(0x30, cat({path, extra})))}));
}

inline Bytes token_info(const std::string& serial, const std::string& label) {
  return tlv(0x30, cat({tlv(0x02, {0x00}), tlv(0x04, Bytes(serial.begin(), serial.end())),
                        tlv(0x0C, Bytes{'C', 'H', 'T'}), tlv(0x80, Bytes(label.begin(), label.end())), tlv(0x03, {0x00, 0x00})}));
}

inline const Bytes kGen2Aid{0xA0, 0x00, 0x00, 0x02, 0x83, 0x00, 0x00, 0x06, 0x22, 0x01, 0x69, 0x64, 0x00, 0x01, 0x01, 0x01};

class FakeCard : public CardTransport {
 public:
  enum class Gen { gen1, gen2 };
  Gen gen = Gen::gen1;
  std::uint8_t gen1_cla = 0x80;           // the class byte the card accepts
  std::map<std::string, Bytes> files;     // "3F00/5030/4104", "applet/4104"
  size_t max_read = 200;                  // larger READ BINARY → 69 87
  bool answer_with_61 = false;            // READ BINARY data comes through GET RESPONSE
  std::optional<size_t> removed_after;    // commands answered before the card leaves
  std::vector<Bytes> received;

  Expected<Bytes> transmit(const Bytes& c) override {
    received.push_back(c);
    if (removed_after && received.size() > *removed_after) return Error{"CARD-READ-REMOVED", "SCardTransmit: SCARD_W_REMOVED_CARD"};
    const std::uint8_t cla = c[0], ins = c[1], p1 = c[2], p2 = c[3];
    const Bytes data = c.size() > 5 ? Bytes(c.begin() + 5, c.begin() + 5 + c[4]) : Bytes{};
    if (ins == 0xA4) return select(cla, p1, p2, data);
    if (ins == 0xB0) return read_binary(cla, static_cast<std::uint32_t>(p1 << 8 | p2), c.size() == 5 ? (c[4] ? c[4] : 256) : 256);
    if (ins == 0xC0) {
      Bytes out = pending_;
      pending_.clear();
      return cat({out, {0x90, 0x00}});
    }
    return Bytes{0x6D, 0x00};
  }

 private:
  bool is_dir(const std::string& p) const {
    for (const auto& [k, v] : files)
      if (k.rfind(p + "/", 0) == 0) return true;
    return false;
  }
  Expected<Bytes> select(std::uint8_t cla, std::uint8_t p1, std::uint8_t p2, const Bytes& data) {
    if (p1 == 0x04) {
      if (gen == Gen::gen2 && data == kGen2Aid) {
        dir_ = "applet";
        ef_.clear();
        return Bytes{0x90, 0x00};
      }
      return Bytes{0x6A, 0x82};
    }
    if (gen == Gen::gen1 && cla != gen1_cla) return Bytes{0x6E, 0x00};
    if (gen == Gen::gen2 && p2 != 0x04) return Bytes{0x6A, 0x86};
    if (data.size() != 2) return Bytes{0x67, 0x00};
    char fid[8];
    std::snprintf(fid, sizeof fid, "%02X%02X", data[0], data[1]);
    if (gen == Gen::gen1 && std::string(fid) == "3F00") {
      dir_ = "3F00";
      ef_.clear();
      return Bytes{0x90, 0x00};
    }
    const std::string candidate = dir_ + "/" + fid;
    if (is_dir(candidate)) {
      dir_ = candidate;
      ef_.clear();
      return Bytes{0x90, 0x00};
    }
    if (files.count(candidate)) {
      ef_ = candidate;
      return Bytes{0x90, 0x00};
    }
    return Bytes{0x6A, 0x82};
  }
  Expected<Bytes> read_binary(std::uint8_t, std::uint32_t offset, size_t le) {
    if (ef_.empty()) return Bytes{0x69, 0x86};
    if (le > max_read) return Bytes{0x69, 0x87};
    const Bytes& f = files.at(ef_);
    if (offset >= f.size()) return Bytes{0x6B, 0x00};
    const size_t n = std::min(le, f.size() - offset);
    Bytes out(f.begin() + offset, f.begin() + offset + n);
    const Bytes sw = n < le ? Bytes{0x62, 0x82} : Bytes{0x90, 0x00};
    if (answer_with_61 && sw[0] == 0x90) {
      pending_ = out;
      return Bytes{0x61, static_cast<std::uint8_t>(n & 0xFF)};
    }
    return cat({out, sw});
  }
  std::string dir_, ef_;
  Bytes pending_;
};

}  // namespace certwiz::card::testing

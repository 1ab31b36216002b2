#include "checks/pcsc/atr.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace certwiz::pcsc {

namespace {

constexpr char kMalformed[] = "ATR-MALFORMED";

Error malformed(std::string detail) { return Error{kMalformed, std::move(detail)}; }

std::string hex8(std::uint8_t b) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", b);
  return buf;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ISO/IEC 7816-3 Table 7 (Fi, f max) and Table 8 (Di); 0 marks RFU.
struct FiEntry {
  int fi;
  double f_max_mhz;
};
constexpr std::array<FiEntry, 16> kFi = {{{372, 4},    {372, 5},   {558, 6},    {744, 8},
                                          {1116, 12},  {1488, 16}, {1860, 20},  {0, 0},
                                          {0, 0},      {512, 5},   {768, 7.5},  {1024, 10},
                                          {1536, 15},  {2048, 20}, {0, 0},      {0, 0}}};
constexpr std::array<int, 16> kDi = {0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};

std::string fmt_mhz(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string describe_ta1(std::uint8_t v) {
  const auto& f = kFi[v >> 4];
  const int d = kDi[v & 0x0F];
  std::string s = f.fi ? "Fi=" + std::to_string(f.fi) + " (f max " + fmt_mhz(f.f_max_mhz) + " MHz)"
                       : "Fi=RFU (" + std::to_string(v >> 4) + ")";
  s += d ? ", Di=" + std::to_string(d) : ", Di=RFU (" + std::to_string(v & 0x0F) + ")";
  return s;
}

std::string clock_stop_name(std::uint8_t x) {
  switch (x) {
    case 0: return "not supported";
    case 1: return "state L";
    case 2: return "state H";
    default: return "no preference";
  }
}

std::vector<std::string> class_names(std::uint8_t y) {
  std::vector<std::string> out;
  if (y & 0x01) out.emplace_back("A (5 V)");
  if (y & 0x02) out.emplace_back("B (3 V)");
  if (y & 0x04) out.emplace_back("C (1.8 V)");
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

void decode_compact_tlv(std::span<const std::uint8_t> data, HistoricalBytes& h) {
  size_t i = 0;
  h.tlv_well_formed = true;
  while (i < data.size()) {
    const std::uint8_t tag = data[i] >> 4, len = data[i] & 0x0F;
    if (i + 1 + len > data.size()) {
      h.tlv_well_formed = false;
      return;
    }
    CompactTlv obj{tag, std::string(compact_tlv_tag_name(tag)), Bytes(data.begin() + i + 1, data.begin() + i + 1 + len)};
    if (tag == 0x8) {  // status indicator inside the TLV objects (category 0x80)
      if (len == 1 || len == 3) h.lifecycle_status = obj.value[0];
      if (len == 2) h.status_word = static_cast<std::uint16_t>(obj.value[0] << 8 | obj.value[1]);
      if (len == 3) h.status_word = static_cast<std::uint16_t>(obj.value[1] << 8 | obj.value[2]);
    }
    h.tlv.push_back(std::move(obj));
    i += 1 + len;
  }
}

HistoricalBytes decode_historical(std::span<const std::uint8_t> b) {
  HistoricalBytes h;
  h.bytes.assign(b.begin(), b.end());
  for (auto c : b) h.printable += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '.';
  std::string run;
  auto flush = [&] {
    if (run.size() >= 3 && run.size() > h.text.size()) h.text = run;
    run.clear();
  };
  for (auto c : b) {
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
      run += static_cast<char>(c);
    else
      flush();
  }
  flush();

  if (b.empty()) {
    h.category = "none";
    return h;
  }
  const std::uint8_t cat = b[0];
  if (cat == 0x00) {
    h.category = "status-at-end";
    if (b.size() >= 4) {
      decode_compact_tlv(b.subspan(1, b.size() - 4), h);
      h.lifecycle_status = b[b.size() - 3];
      h.status_word = static_cast<std::uint16_t>(b[b.size() - 2] << 8 | b[b.size() - 1]);
    }
  } else if (cat == 0x10) {
    h.category = "dir-reference";
    if (b.size() >= 2) h.dir_reference = b[1];
  } else if (cat == 0x80) {
    h.category = "compact-tlv";
    decode_compact_tlv(b.subspan(1), h);
  } else if (cat >= 0x81 && cat <= 0x8F) {
    h.category = "rfu";
  } else {
    h.category = "proprietary";
  }
  return h;
}

}  // namespace

std::string_view compact_tlv_tag_name(std::uint8_t tag) {
  switch (tag & 0x0F) {
    case 0x1: return "country code";
    case 0x2: return "issuer identification number";
    case 0x3: return "card service data";
    case 0x4: return "initial access data";
    case 0x5: return "card issuer's data";
    case 0x6: return "pre-issuing data";
    case 0x7: return "card capabilities";
    case 0x8: return "status indicator";
    case 0xF: return "application identifier";
    default: return "RFU";
  }
}

Expected<Bytes> parse_hex_bytes(std::string_view text) {
  Bytes out;
  int pending = -1;
  for (char c : text) {
    if (c == ' ' || c == ':' || c == '\t' || c == '\r' || c == '\n') {
      if (pending >= 0) return malformed("bad hex: lone digit before a separator");
      continue;
    }
    const int d = hex_digit(c);
    if (d < 0) return malformed(std::string("bad hex: unexpected character '") + (c >= 0x20 && c < 0x7F ? c : '?') + "'");
    if (pending < 0) {
      pending = d;
    } else {
      out.push_back(static_cast<std::uint8_t>(pending << 4 | d));
      pending = -1;
    }
  }
  if (pending >= 0) return malformed("bad hex: odd number of digits");
  return out;
}

std::string hex_spaced(std::span<const std::uint8_t> bytes) {
  std::string s;
  for (auto b : bytes) {
    if (!s.empty()) s += ' ';
    s += hex8(b);
  }
  return s;
}

Expected<AtrInfo> decode_atr(std::span<const std::uint8_t> atr) {
  if (atr.empty()) return malformed("empty: the card sent no ATR");
  if (atr.size() > kAtrMaxLength)
    return malformed("too long: " + std::to_string(atr.size()) + " bytes, ISO/IEC 7816-3 allows at most 33");
  AtrInfo a;
  a.bytes.assign(atr.begin(), atr.end());
  if (atr[0] == 0x3B)
    a.convention = Convention::direct;
  else if (atr[0] == 0x3F)
    a.convention = Convention::inverse;
  else
    return malformed("bad TS: 0x" + hex8(atr[0]) + " (expected 3B direct or 3F inverse convention)");
  if (atr.size() < 2) return malformed("too short: only TS, no T0");
  a.t0 = atr[1];
  a.y1 = a.t0 >> 4;
  a.k = a.t0 & 0x0F;

  size_t pos = 2;
  int level = 1;
  std::uint8_t y = a.y1;
  int level_protocol = -1;  // protocol the current level's bytes belong to
  bool any_td = false, t15_in_td1 = false;
  bool t1_ta = false, t1_tb = false, t1_tc = false, t15_ta = false, t15_tb = false;
  for (;;) {
    for (int kind = 0; kind < 4; ++kind) {
      if (!(y & (1u << kind))) continue;
      const char letter = "ABCD"[kind];
      const std::string name = std::string("T") + letter + std::to_string(level);
      if (pos >= atr.size())
        return malformed("truncated interface bytes: " + name + " is announced but the ATR ends after " +
                         std::to_string(atr.size()) + " bytes");
      const std::uint8_t v = atr[pos++];
      InterfaceByte ib{name, v, level, level_protocol, {}};
      if (kind == 3) {  // TDi
        const int t = v & 0x0F;
        ib.meaning = "next: " + std::string(v & 0x10 ? "TA" : "") + (v & 0x20 ? " TB" : "") + (v & 0x40 ? " TC" : "") +
                     (v & 0x80 ? " TD" : "");
        if ((v >> 4) == 0) ib.meaning = "no further interface bytes";
        ib.meaning = "T=" + std::to_string(t) + (t == 15 ? " (global interface bytes follow)" : "") + "; " + ib.meaning;
        any_td = true;
        if (level == 1 && t == 15) t15_in_td1 = true;
        if (t != 15 && std::find(a.protocols.begin(), a.protocols.end(), t) == a.protocols.end())
          a.protocols.push_back(t);
        if (t != 0) a.tck_required = true;
        a.interface_bytes.push_back(std::move(ib));
        y = v >> 4;
        level_protocol = t;
        ++level;
        goto next_level;
      }
      if (level == 1) {
        ib.protocol = -1;
        if (kind == 0) {
          a.ta1_present = true;
          a.fi_index = v >> 4;
          a.di_index = v & 0x0F;
          if (kFi[a.fi_index].fi) {
            a.fi = kFi[a.fi_index].fi;
            a.f_max_mhz = kFi[a.fi_index].f_max_mhz;
          }
          if (kDi[a.di_index]) a.di = kDi[a.di_index];
          ib.meaning = describe_ta1(v);
        } else if (kind == 1) {
          ib.meaning = "VPP (deprecated by ISO/IEC 7816-3:2006)" + std::string(v == 0 ? ": no VPP" : "");
          if (v != 0) a.notes.push_back("TB1 is not 00: deprecated VPP programming parameters");
        } else {
          a.extra_guard_time = v;
          ib.meaning = v == 255 ? "N=255: minimum guard time (12 etu for T=0, 11 etu for T=1)"
                                : "extra guard time N=" + std::to_string(v) + " etu";
        }
      } else if (level == 2) {
        ib.protocol = kind == 2 ? 0 : -1;
        if (kind == 0) {
          a.specific_mode = v;
          a.specific_mode_can_change = !(v & 0x80);
          a.specific_mode_protocol = v & 0x0F;
          ib.meaning = "specific mode T=" + std::to_string(v & 0x0F) +
                       (v & 0x80 ? ", cannot change to negotiable mode" : ", can change to negotiable mode") +
                       (v & 0x10 ? ", implicit transmission parameters" : ", parameters from TA1");
        } else if (kind == 1) {
          ib.meaning = "PI2 VPP (deprecated by ISO/IEC 7816-3:2006)";
          a.notes.push_back("TB2 present: deprecated VPP programming parameter");
        } else {
          a.wi = v;
          ib.meaning = "T=0 waiting integer WI=" + std::to_string(v) + (v == 0 ? " (RFU)" : "");
          if (v == 0) a.notes.push_back("TC2=00 is RFU");
        }
      } else if (level_protocol == 1) {
        if (kind == 0 && !t1_ta) {
          t1_ta = true;
          a.ifsc = v;
          ib.meaning = "T=1 IFSC=" + std::to_string(v) + (v == 0 || v == 255 ? " (RFU)" : "");
        } else if (kind == 1 && !t1_tb) {
          t1_tb = true;
          a.bwi = v >> 4;
          a.cwi = v & 0x0F;
          ib.meaning = "T=1 BWI=" + std::to_string(v >> 4) + ", CWI=" + std::to_string(v & 0x0F);
          if ((v >> 4) > 9) a.notes.push_back("BWI above 9 is RFU");
        } else if (kind == 2 && !t1_tc) {
          t1_tc = true;
          a.t1_error_detection = (v & 0x01) ? "CRC" : "LRC";
          ib.meaning = "T=1 error detection: " + a.t1_error_detection;
        } else {
          ib.meaning = "specific to T=1, not defined by ISO/IEC 7816-3";
        }
      } else if (level_protocol == 15) {
        if (kind == 0 && !t15_ta) {
          t15_ta = true;
          a.clock_stop = clock_stop_name(v >> 6);
          a.classes = class_names(v & 0x3F);
          ib.meaning = "clock stop: " + *a.clock_stop + "; classes: " + (a.classes.empty() ? "none" : join(a.classes, ", "));
        } else if (kind == 1 && !t15_tb) {
          t15_tb = true;
          ib.meaning = "SPU (use of contact C6): " + std::string(v == 0 ? "not used" : (v & 0x80 ? "proprietary" : "standard"));
        } else {
          ib.meaning = "global, not defined by ISO/IEC 7816-3";
        }
      } else {
        ib.meaning = "specific to T=" + std::to_string(level_protocol) + ", not defined by ISO/IEC 7816-3";
      }
      a.interface_bytes.push_back(std::move(ib));
    }
    break;
  next_level:;
  }
  if (!any_td) a.protocols.push_back(0);  // no TD1: T=0 only
  if (t15_in_td1) a.notes.push_back("TD1 indicates T=15, which ISO/IEC 7816-3 does not allow");
  if (a.protocols.empty()) a.notes.push_back("no transmission protocol is offered");
  // T=1 without an error-detection byte uses LRC (ISO/IEC 7816-3 §11.4.4).
  if (a.t1_error_detection.empty() && std::find(a.protocols.begin(), a.protocols.end(), 1) != a.protocols.end())
    a.t1_error_detection = "LRC";
  if (!a.ta1_present) {
    a.fi = 372;
    a.di = 1;
    a.f_max_mhz = 5;
  } else if (!a.fi || !a.di) {
    a.notes.push_back("TA1 uses an RFU value");
  }

  if (pos + a.k > atr.size())
    return malformed("truncated historical bytes: T0 announces " + std::to_string(a.k) + ", only " +
                     std::to_string(atr.size() - pos) + " present");
  a.historical = decode_historical(atr.subspan(pos, a.k));
  pos += a.k;

  if (a.tck_required) {
    if (pos >= atr.size()) return malformed("missing TCK: required because a protocol other than T=0 is offered");
    a.tck = atr[pos];
    std::uint8_t x = 0;
    for (size_t i = 1; i <= pos; ++i) x ^= atr[i];
    if (x != 0) {
      const std::uint8_t expected = static_cast<std::uint8_t>(x ^ atr[pos]);
      return malformed("bad TCK: 0x" + hex8(atr[pos]) + ", the checksum of T0..historical bytes gives 0x" + hex8(expected));
    }
    ++pos;
  }
  if (pos < atr.size())
    return malformed("trailing bytes: " + std::to_string(atr.size() - pos) + " byte(s) after the " +
                     (a.tck_required ? "TCK" : "historical bytes") + (a.tck_required ? "" : " (TCK must be absent when only T=0 is offered)"));
  return a;
}

Json AtrInfo::to_json() const {
  Json j;
  j["atr"] = hex_spaced(bytes);
  j["ts"] = {{"value", hex8(bytes.empty() ? 0 : bytes[0])}, {"convention", convention == Convention::direct ? "direct" : "inverse"}};
  j["t0"] = {{"value", hex8(t0)}, {"y1", hex8(y1).substr(1)}, {"k", k}};
  Json ib = Json::array();
  for (const auto& b : interface_bytes) {
    Json e{{"name", b.name}, {"value", hex8(b.value)}};
    e["protocol"] = b.protocol < 0 ? Json("global") : Json("T=" + std::to_string(b.protocol));
    e["meaning"] = b.meaning;
    ib.push_back(std::move(e));
  }
  j["interface_bytes"] = std::move(ib);
  Json g;
  g["fi"] = fi ? Json(*fi) : Json("RFU");
  g["di"] = di ? Json(*di) : Json("RFU");
  if (f_max_mhz) g["f_max_mhz"] = *f_max_mhz;
  g["ta1_present"] = ta1_present;
  g["extra_guard_time_n"] = extra_guard_time;
  if (specific_mode) {
    g["specific_mode"] = {{"protocol", *specific_mode_protocol}, {"can_change", specific_mode_can_change}};
  }
  if (clock_stop) g["clock_stop"] = *clock_stop;
  if (!classes.empty()) g["classes"] = classes;
  j["global"] = std::move(g);
  Json protos = Json::array();
  for (int p : protocols) protos.push_back("T=" + std::to_string(p));
  j["protocols"] = std::move(protos);
  if (std::find(protocols.begin(), protocols.end(), 0) != protocols.end()) j["t0_protocol"] = {{"wi", wi}};
  if (std::find(protocols.begin(), protocols.end(), 1) != protocols.end()) {
    Json t1;
    t1["ifsc"] = ifsc ? *ifsc : 32;  // ISO default when TA for T=1 is absent
    t1["bwi"] = bwi ? *bwi : 4;
    t1["cwi"] = cwi ? *cwi : 13;
    t1["error_detection"] = t1_error_detection.empty() ? "LRC" : t1_error_detection;
    t1["defaults_used"] = !ifsc || !bwi;
    j["t1_protocol"] = std::move(t1);
  }
  Json h;
  h["bytes"] = hex_spaced(historical.bytes);
  h["category"] = historical.category;
  h["printable"] = historical.printable;
  if (!historical.text.empty()) h["text"] = historical.text;
  if (!historical.tlv.empty() || historical.category == "compact-tlv" || historical.category == "status-at-end") {
    Json t = Json::array();
    for (const auto& o : historical.tlv)
      t.push_back({{"tag", hex8(o.tag).substr(1)}, {"name", o.tag_name}, {"value", hex_spaced(o.value)}});
    h["compact_tlv"] = std::move(t);
    h["compact_tlv_well_formed"] = historical.tlv_well_formed;
  }
  if (historical.lifecycle_status) h["lifecycle_status"] = hex8(*historical.lifecycle_status);
  if (historical.status_word)
    h["status_word"] = hex8(static_cast<std::uint8_t>(*historical.status_word >> 8)) + " " +
                       hex8(static_cast<std::uint8_t>(*historical.status_word & 0xFF));
  if (historical.dir_reference) h["dir_reference"] = hex8(*historical.dir_reference);
  j["historical"] = std::move(h);
  j["tck"] = {{"required", tck_required}, {"present", tck.has_value()}};
  if (tck) {
    j["tck"]["value"] = hex8(*tck);
    j["tck"]["valid"] = true;  // decode_atr rejects a bad TCK
  }
  j["notes"] = notes;
  return j;
}

}  // namespace certwiz::pcsc

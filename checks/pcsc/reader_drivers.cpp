#include "checks/pcsc/reader_drivers.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace certwiz::pcsc {

namespace fs = std::filesystem;

namespace {

constexpr char kBroken[] = "PCSC-DRIVER-BROKEN";

std::string read_small_file(const fs::path& p, size_t limit = 4 << 20) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  // Grown as read, not allocated at the limit: a zero-filled 4 MB buffer per Info.plist
  // was most of a diagnosis's heap (and its page faults) for files of a few KB.
  std::string s;
  char chunk[16384];
  while (s.size() < limit) {
    in.read(chunk, static_cast<std::streamsize>(std::min(sizeof chunk, limit - s.size())));
    s.append(chunk, static_cast<size_t>(in.gcount()));
    if (!in) break;  // end of file (or an error): what was read is kept
  }
  return s;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string xml_unescape(std::string_view s) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    if (s[i] == '&')
      for (const auto& [ent, ch] : kEntities)
        if (s.substr(i, ent.size()) == ent) {
          out += ch;
          i += ent.size();
          done = true;
          break;
        }
    if (!done) out += s[i++];
  }
  return out;
}

bool parse_u16_hex(const std::string& s, std::uint16_t& out) {
  std::string t = trim(s);
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t = t.substr(2);
  if (t.empty() || t.size() > 4) return false;
  unsigned v = 0;
  for (char c : t) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<unsigned>(d);
  }
  out = static_cast<std::uint16_t>(v);
  return true;
}

// A minimal reader of the XML property-list subset driver bundles use: a top-level
// <dict> of <key> followed by <string>, <array> of <string>, or another value we skip.
// pcsc-lite itself reads these files with an equally small parser; no XML library is
// among the project's dependencies for one file format.
class PlistReader {
 public:
  explicit PlistReader(std::string_view xml) : s_(xml) {}

  // Next tag's name ("key", "/dict", "string/"...), skipping text, comments, <?..?> and <!..>.
  bool next_tag(std::string& name) {
    for (;;) {
      const size_t lt = s_.find('<', pos_);
      if (lt == std::string_view::npos) return false;
      if (s_.substr(lt, 4) == "<!--") {
        const size_t end = s_.find("-->", lt + 4);
        if (end == std::string_view::npos) return false;
        pos_ = end + 3;
        continue;
      }
      const size_t gt = s_.find('>', lt);
      if (gt == std::string_view::npos) return false;
      std::string_view body = s_.substr(lt + 1, gt - lt - 1);
      pos_ = gt + 1;
      if (!body.empty() && (body[0] == '?' || body[0] == '!')) continue;
      const size_t sp = body.find_first_of(" \t\r\n");
      name = std::string(body.substr(0, sp));
      if (!body.empty() && body.back() == '/' && name.back() != '/') name += '/';
      return true;
    }
  }
  // Text up to the closing </tag>; false when it never closes.
  bool text_until(std::string_view tag, std::string& out) {
    const std::string close = "</" + std::string(tag) + ">";
    const size_t end = s_.find(close, pos_);
    if (end == std::string_view::npos) return false;
    out = xml_unescape(s_.substr(pos_, end - pos_));
    pos_ = end + close.size();
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

struct PlistValue {
  std::vector<std::string> strings;  // one for <string>, many for <array>
  bool is_array = false;
};

Expected<std::map<std::string, PlistValue>> read_top_dict(std::string_view xml) {
  PlistReader r(xml);
  std::string tag;
  do {
    if (!r.next_tag(tag)) return Error{kBroken, "no <dict> in the property list"};
  } while (tag != "dict");
  std::map<std::string, PlistValue> out;
  for (;;) {
    if (!r.next_tag(tag)) return Error{kBroken, "the top-level <dict> is not closed"};
    if (tag == "/dict") return out;
    if (tag != "key") return Error{kBroken, "expected <key>, found <" + tag + ">"};
    std::string key;
    if (!r.text_until("key", key)) return Error{kBroken, "unclosed <key>"};
    if (!r.next_tag(tag)) return Error{kBroken, "key " + key + " has no value"};
    PlistValue v;
    if (tag == "string") {
      std::string s;
      if (!r.text_until("string", s)) return Error{kBroken, "unclosed <string> for " + key};
      v.strings.push_back(std::move(s));
    } else if (tag == "array") {
      v.is_array = true;
      for (;;) {
        if (!r.next_tag(tag)) return Error{kBroken, "unclosed <array> for " + key};
        if (tag == "/array") break;
        if (tag == "string") {
          std::string s;
          if (!r.text_until("string", s)) return Error{kBroken, "unclosed <string> in " + key};
          v.strings.push_back(std::move(s));
        } else if (tag == "string/") {
          v.strings.emplace_back();
        } else {
          return Error{kBroken, "unexpected <" + tag + "> in array " + key};
        }
      }
    } else if (tag.back() == '/') {
      // <true/>, <false/>, <string/>: no text
      if (tag == "string/") v.strings.emplace_back();
    } else if (tag == "integer" || tag == "real" || tag == "data" || tag == "date") {
      std::string s;
      if (!r.text_until(tag, s)) return Error{kBroken, "unclosed <" + tag + "> for " + key};
      v.strings.push_back(std::move(s));
    } else {
      return Error{kBroken, "unsupported value <" + tag + "> for " + key};
    }
    out[key] = std::move(v);
  }
}

std::string first_of(const std::map<std::string, PlistValue>& d, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (auto it = d.find(k); it != d.end() && !it->second.strings.empty()) return trim(it->second.strings.front());
  return {};
}

std::string hex4(std::uint16_t v) {
  char b[5];
  std::snprintf(b, sizeof b, "%04x", v);
  return b;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

const DriverDevice* ReaderDriver::find(std::uint16_t vendor, std::uint16_t product) const {
  for (const auto& d : devices)
    if (d.vendor_id == vendor && d.product_id == product) return &d;
  return nullptr;
}

Expected<ReaderDriver> parse_driver_info_plist(std::string_view xml) {
  auto dict = read_top_dict(xml);
  if (!dict) return dict.error();
  const auto& d = *dict;
  ReaderDriver drv;
  drv.name = first_of(d, {"ifdBundleName", "CFBundleName"});
  drv.version = first_of(d, {"CFBundleShortVersionString", "CFBundleVersion"});
  drv.executable = first_of(d, {"CFBundleExecutable"});
  auto get = [&](const char* k) -> std::vector<std::string> {
    auto it = d.find(k);
    return it == d.end() ? std::vector<std::string>{} : it->second.strings;
  };
  const auto vendors = get("ifdVendorID"), products = get("ifdProductID"), names = get("ifdFriendlyName");
  if (vendors.size() != products.size())
    return Error{kBroken, "ifdVendorID has " + std::to_string(vendors.size()) + " entries, ifdProductID " +
                              std::to_string(products.size())};
  // A single-reader driver may give one friendly name for all ids.
  if (!names.empty() && names.size() != vendors.size() && names.size() != 1)
    return Error{kBroken, "ifdFriendlyName has " + std::to_string(names.size()) + " entries for " +
                              std::to_string(vendors.size()) + " readers"};
  for (size_t i = 0; i < vendors.size(); ++i) {
    DriverDevice dev;
    if (!parse_u16_hex(vendors[i], dev.vendor_id) || !parse_u16_hex(products[i], dev.product_id))
      return Error{kBroken, "reader id " + std::to_string(i) + " is not a 16-bit hex number"};
    if (!names.empty()) dev.friendly_name = trim(names.size() == 1 ? names[0] : names[i]);
    drv.devices.push_back(std::move(dev));
  }
  return drv;
}

DriverScan scan_reader_drivers(const std::string& drivers_dir) {
  DriverScan scan;
  std::error_code ec;
  std::vector<fs::path> bundles;
  for (fs::directory_iterator it(drivers_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".bundle") bundles.push_back(it->path());
  std::sort(bundles.begin(), bundles.end());
  for (const auto& b : bundles) {
    const fs::path plist = b / "Contents" / "Info.plist";
    if (!fs::exists(plist, ec)) {
      scan.problems.push_back(Error{kBroken, b.filename().string() + ": no Contents/Info.plist"});
      continue;
    }
    auto drv = parse_driver_info_plist(read_small_file(plist));
    if (!drv) {
      scan.problems.push_back(Error{kBroken, b.filename().string() + ": " + drv.error().detail});
      continue;
    }
    drv->bundle = b.filename().string();
    scan.drivers.push_back(std::move(*drv));
  }
  return scan;
}

std::vector<UsbCardReader> scan_usb_card_readers(const std::string& sysfs_root) {
  const fs::path dir = fs::path(sysfs_root) / "bus" / "usb" / "devices";
  std::set<std::string> devices;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const size_t colon = name.find(':');
    if (colon == std::string::npos) continue;  // a device, not an interface
    if (lower(trim(read_small_file(it->path() / "bInterfaceClass", 64))) == "0b") devices.insert(name.substr(0, colon));
  }
  std::vector<UsbCardReader> out;
  for (const auto& dev : devices) {
    const fs::path p = dir / dev;
    UsbCardReader r;
    r.sysfs_name = dev;
    if (!parse_u16_hex(read_small_file(p / "idVendor", 64), r.vendor_id) ||
        !parse_u16_hex(read_small_file(p / "idProduct", 64), r.product_id))
      continue;  // an interface whose device vanished or is unreadable
    r.manufacturer = trim(read_small_file(p / "manufacturer", 256));
    r.product = trim(read_small_file(p / "product", 256));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<UsbReaderStatus> match_usb_readers(const std::vector<UsbCardReader>& usb,
                                               const std::vector<ReaderDriver>& drivers,
                                               const std::vector<std::string>& pcsc_reader_names) {
  std::vector<UsbReaderStatus> out;
  for (const auto& r : usb) {
    UsbReaderStatus s;
    s.usb = r;
    for (const auto& d : drivers)
      if (const auto* dev = d.find(r.vendor_id, r.product_id)) {
        s.driver = d.bundle.empty() ? d.name : d.bundle;
        s.friendly_name = dev->friendly_name;
        break;
      }
    // PC/SC names a USB reader after the driver's friendly name or the USB strings.
    for (const auto& n : pcsc_reader_names) {
      const std::string ln = lower(n);
      for (const std::string& cand : {s.friendly_name, r.product, r.manufacturer + " " + r.product})
        if (trim(cand).size() >= 3 && ln.find(lower(trim(cand))) != std::string::npos) s.seen_by_pcsc = true;
    }
    out.push_back(std::move(s));
  }
  return out;
}

Json to_json(const ReaderDriver& d, bool with_devices) {
  Json j{{"bundle", d.bundle}, {"name", d.name}, {"version", d.version}, {"readers_supported", d.devices.size()}};
  if (with_devices) {
    Json a = Json::array();
    for (const auto& dev : d.devices)
      a.push_back({{"vendor_id", hex4(dev.vendor_id)}, {"product_id", hex4(dev.product_id)}, {"name", dev.friendly_name}});
    j["readers"] = std::move(a);
  }
  return j;
}

Json to_json(const UsbReaderStatus& s) {
  return Json{{"usb", s.usb.sysfs_name},
              {"vendor_id", hex4(s.usb.vendor_id)},
              {"product_id", hex4(s.usb.product_id)},
              {"manufacturer", s.usb.manufacturer},
              {"product", s.usb.product},
              {"driver", s.driver.empty() ? Json(nullptr) : Json(s.driver)},
              {"seen_by_pcsc", s.seen_by_pcsc}};
}

}  // namespace certwiz::pcsc

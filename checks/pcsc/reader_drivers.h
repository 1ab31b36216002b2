#pragma once
// Reader drivers installed for pcsc-lite (driver bundles' Info.plist) and USB smart-card
// readers plugged in (sysfs interface class 0x0B), to tell "no reader" from "a reader
// without a driver". Pure readers of a given root, so tests use fixture trees.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"

namespace certwiz::pcsc {

struct DriverDevice {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  std::string friendly_name;
};

struct ReaderDriver {
  std::string bundle;      // "ifd-ccid.bundle"
  std::string name;        // ifdBundleName, else CFBundleName
  std::string version;     // CFBundleShortVersionString, else CFBundleVersion
  std::string executable;  // CFBundleExecutable
  std::vector<DriverDevice> devices;
  const DriverDevice* find(std::uint16_t vendor, std::uint16_t product) const;
};

// Parses one bundle's Info.plist (XML property list, a top-level <dict>). Error
// PCSC-DRIVER-BROKEN when it is not a property list or the id arrays disagree in length.
Expected<ReaderDriver> parse_driver_info_plist(std::string_view xml);

struct DriverScan {
  std::vector<ReaderDriver> drivers;
  std::vector<Error> problems;  // PCSC-DRIVER-BROKEN, detail names the bundle
};
// Every <dir>/*.bundle/Contents/Info.plist, sorted by bundle name; a missing dir is empty.
DriverScan scan_reader_drivers(const std::string& drivers_dir);

struct UsbCardReader {
  std::string sysfs_name;   // "1-1.4"
  std::uint16_t vendor_id = 0, product_id = 0;
  std::string manufacturer, product;  // USB strings, may be empty
};
// USB devices with an interface of class 0x0B (smart card) under <sysfs_root>/bus/usb/devices.
std::vector<UsbCardReader> scan_usb_card_readers(const std::string& sysfs_root);

struct UsbReaderStatus {
  UsbCardReader usb;
  std::string driver;          // bundle name, empty when no driver lists the ids
  std::string friendly_name;   // from the driver
  bool seen_by_pcsc = false;   // a PC/SC reader name mentions it
};
// Which plugged-in readers PC/SC sees, and which have a driver.
std::vector<UsbReaderStatus> match_usb_readers(const std::vector<UsbCardReader>& usb,
                                               const std::vector<ReaderDriver>& drivers,
                                               const std::vector<std::string>& pcsc_reader_names);

Json to_json(const ReaderDriver& d, bool with_devices = false);
Json to_json(const UsbReaderStatus& s);

}  // namespace certwiz::pcsc

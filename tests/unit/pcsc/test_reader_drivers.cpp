// Info.plist parser on driver-bundle fixtures; USB smart-card readers from a fixture
// sysfs tree, matched against the drivers and the PC/SC reader names.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "checks/pcsc/reader_drivers.h"

namespace certwiz::pcsc {
namespace {

namespace fs = std::filesystem;
const std::string kDrivers = CERTWIZ_PCSC_FIXTURES "/drivers";

TEST(DriverPlist, ParsesTheCcidBundleArrays) {
  std::ifstream in(kDrivers + "/ifd-ccid.bundle/Contents/Info.plist");
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto d = parse_driver_info_plist(xml);
  ASSERT_TRUE(d.ok()) << d.error().detail;
  EXPECT_EQ(d->name, "CCIDCLASSDRIVER");
  EXPECT_EQ(d->version, "1.5.2");
  EXPECT_EQ(d->executable, "libccid.so");
  ASSERT_EQ(d->devices.size(), 3u);
  EXPECT_EQ(d->devices[0].vendor_id, 0x072F);
  EXPECT_EQ(d->devices[0].product_id, 0x90CC);
  EXPECT_EQ(d->devices[0].friendly_name, "ACS ACR 38U-CCID");
  EXPECT_EQ(d->devices[2].product_id, 0x0014);
  EXPECT_EQ(d->devices[2].friendly_name, "ActivIdentity Activkey_Sim");
  EXPECT_NE(d->find(0x09C3, 0x0013), nullptr);
  EXPECT_EQ(d->find(0x09C3, 0x0015), nullptr);
}

TEST(DriverPlist, SingleReaderDriverWithEntitiesAndOtherValueTypes) {
  std::ifstream in(kDrivers + "/ifd-acme.bundle/Contents/Info.plist");
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto d = parse_driver_info_plist(xml);
  ASSERT_TRUE(d.ok()) << d.error().detail;
  EXPECT_EQ(d->name, "ACME & Sons Reader Driver");  // ifdBundleName wins over CFBundleName
  EXPECT_EQ(d->version, "2.0.4");                   // CFBundleVersion when there is no short version
  ASSERT_EQ(d->devices.size(), 1u);
  EXPECT_EQ(d->devices[0].vendor_id, 0x1FC9);
  EXPECT_EQ(d->devices[0].friendly_name, "ACME EZ100PU");
}

TEST(DriverPlist, BrokenFilesGiveDriverBrokenNeverACrash) {
  const char* bad[] = {"", "<plist>", "<dict><key>a</key>", "<dict><key>a</key><string>x</dict>",
                       "<dict><string>x</string></dict>", "<dict><key>a</key><array><dict/></array></dict>",
                       "<dict><key>ifdVendorID</key><string>0xZZZZ</string><key>ifdProductID</key><string>1</string></dict>",
                       "<dict><key>ifdVendorID</key><string>0x12345</string><key>ifdProductID</key><string>1</string></dict>",
                       "<!-- unterminated comment <dict>"};
  for (const char* x : bad) {
    auto d = parse_driver_info_plist(x);
    ASSERT_FALSE(d.ok()) << x;
    EXPECT_EQ(d.error().code, "PCSC-DRIVER-BROKEN");
  }
}

TEST(DriverScan, ReadsEveryBundleAndListsTheBrokenOnes) {
  const DriverScan s = scan_reader_drivers(kDrivers);
  ASSERT_EQ(s.drivers.size(), 2u);
  EXPECT_EQ(s.drivers[0].bundle, "ifd-acme.bundle");
  EXPECT_EQ(s.drivers[1].bundle, "ifd-ccid.bundle");
  ASSERT_EQ(s.problems.size(), 2u);
  EXPECT_NE(s.problems[0].detail.find("ifd-broken.bundle: ifdVendorID has 2 entries, ifdProductID 1"), std::string::npos)
      << s.problems[0].detail;
  EXPECT_NE(s.problems[1].detail.find("ifd-empty.bundle: no Contents/Info.plist"), std::string::npos);
  EXPECT_TRUE(scan_reader_drivers("/nonexistent/drivers").drivers.empty());
}

class SysfsTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("certwiz-sysfs-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    dev("1-1", "072f", "90cc", "ACS", "ACR38U-CCID");
    iface("1-1:1.0", "0b");
    dev("1-2", "1fc9", "0107", "ACME", "EZ100PU");
    iface("1-2:1.0", "0b");
    dev("2-1", "08e6", "3437", "Gemalto", "USB SmartCard Reader");
    iface("2-1:1.0", "0B\n");  // upper case in some kernels' fixtures; newline as sysfs writes it
    iface("2-1:1.1", "0b");    // a second smart-card interface of the same device
    dev("2-2", "046d", "c31c", "Logitech", "Keyboard");
    iface("2-2:1.0", "03");
    iface("2-3:1.0", "0b");    // interface whose device directory is gone (unplugged mid-scan)
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path dir() const { return root_ / "bus" / "usb" / "devices"; }
  void write(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << s;
  }
  void dev(const std::string& n, const std::string& vid, const std::string& pid, const std::string& mfr, const std::string& prod) {
    write(dir() / n / "idVendor", vid + "\n");
    write(dir() / n / "idProduct", pid + "\n");
    write(dir() / n / "manufacturer", mfr + "\n");
    write(dir() / n / "product", prod + "\n");
  }
  void iface(const std::string& n, const std::string& cls) { write(dir() / n / "bInterfaceClass", cls); }
  fs::path root_;
};

TEST_F(SysfsTree, FindsSmartCardInterfacesOncePerDevice) {
  const auto usb = scan_usb_card_readers(root_.string());
  ASSERT_EQ(usb.size(), 3u);
  EXPECT_EQ(usb[0].sysfs_name, "1-1");
  EXPECT_EQ(usb[0].vendor_id, 0x072F);
  EXPECT_EQ(usb[0].product, "ACR38U-CCID");
  EXPECT_EQ(usb[2].sysfs_name, "2-1");
  EXPECT_EQ(usb[2].manufacturer, "Gemalto");
}

TEST_F(SysfsTree, ReaderWithoutDriverIsTheOneNeitherSeenNorListed) {
  const DriverScan drivers = scan_reader_drivers(kDrivers);
  const auto st = match_usb_readers(scan_usb_card_readers(root_.string()), drivers.drivers, {"ACS ACR 38U-CCID 00 00"});
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].driver, "ifd-ccid.bundle");
  EXPECT_TRUE(st[0].seen_by_pcsc);
  EXPECT_EQ(st[1].driver, "ifd-acme.bundle");
  EXPECT_FALSE(st[1].seen_by_pcsc);  // driver, but PC/SC has no such reader
  EXPECT_TRUE(st[2].driver.empty()); // Gemalto 08e6:3437 is in no fixture driver
  EXPECT_FALSE(st[2].seen_by_pcsc);
  EXPECT_EQ(to_json(st[2])["driver"], nullptr);
  EXPECT_EQ(to_json(st[2])["vendor_id"], "08e6");
}

TEST_F(SysfsTree, NoSysfsMeansNoUsbReaders) {
  EXPECT_TRUE(scan_usb_card_readers((root_ / "missing").string()).empty());
}

}  // namespace
}  // namespace certwiz::pcsc

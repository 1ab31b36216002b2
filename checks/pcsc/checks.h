#pragma once
// The PC/SC module's checks for a diagnosis: pcsc.service, pcsc.readers, card.atr.
#include <string>
#include <vector>

#include "checks/core/check.h"
#include "checks/core/options.h"
#include "checks/pcsc/host_service.h"
#include "checks/pcsc/pcsc_client.h"
#include "checks/pcsc/reader_drivers.h"

namespace certwiz::pcsc {

struct PcscCheckConfig {
  PcscPaths paths = default_pcsc_paths();
  std::string taiwan_table;   // empty: assets/atr/taiwan.json
  // Send SELECT (by AID) for the gen2 applet to tell gen1 from gen2. Read-only: it never
  // sends VERIFY or anything else a card counts against the PIN.
  bool probe_applet = true;
};

// What pcsc.readers learned (its model): the readers PC/SC lists with their state, the
// driver bundles and the USB smart-card interfaces matched to them. Its evidence is
// to_json of it.
struct ReaderInventory {
  std::vector<ReaderState> readers;
  DriverScan drivers;
  std::vector<UsbReaderStatus> usb;
};
Json to_json(const ReaderInventory& inv);

std::vector<Check> pcsc_checks(const RunOptions& options, PcscCheckConfig config = {});

}  // namespace certwiz::pcsc

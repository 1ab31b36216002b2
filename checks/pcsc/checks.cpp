#include "checks/pcsc/checks.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <variant>

#include "assets/assets.h"
#include "checks/pcsc/atr.h"
#include "checks/pcsc/card_identity.h"
#include "checks/pcsc/pcsc_client.h"
#include "checks/pcsc/reader_drivers.h"
#include "checks/pcsc/smartcard_list.h"

namespace certwiz::pcsc {

namespace {

// The catalogue's general remedy, then this OS's exact steps.
CheckResult with_platform_remedy(CheckResult r) {
  const Text extra = platform_remedy(r.code);
  if (!extra.zh_TW.empty()) r.remedy.zh_TW += (r.remedy.zh_TW.empty() ? "" : " ") + extra.zh_TW;
  if (!extra.en.empty()) r.remedy.en += (r.remedy.en.empty() ? "" : " ") + extra.en;
  return r;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string join_names(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out;
}

// ---- pcsc.service -------------------------------------------------------------

CheckResult check_service(const PcscPaths& paths, const CheckContext& ctx) {
  Json ev;
  ev["os"] = os_name();
  ev["client_library"] = pcsc_library_version();
  if (!paths.package_status.empty()) {
    const std::string status = read_text(paths.package_status);
    const std::string v = dpkg_package_version(status, "pcscd");
    ev["pcscd_package"] = v.empty() ? Json(nullptr) : Json(v);
  }
  const auto daemons = scan_smartcard_daemons(paths.proc_root);
  Json dj = Json::array();
  for (const auto& d : daemons) dj.push_back(to_json(d));
  ev["daemons"] = std::move(dj);

  auto context = PcscContext::establish();
  ev["reachable"] = context.ok();
  if (!context) {
    ctx.log().warn("pcsc", context.error().detail);
    return with_platform_remedy(CheckResult::from_error(
        context.error(),
        {"無法連線到智慧卡服務（PC/SC）", "Cannot reach the smart-card service (PC/SC)"}, ev));
  }
  if (const std::string competing = competing_daemons(daemons); !competing.empty()) {
    return with_platform_remedy(CheckResult::warning(
        "PCSC-SECOND-DAEMON", {"智慧卡服務可連線，但有其他智慧卡服務程式同時執行", "PC/SC is reachable, but another smart-card daemon runs too"},
        ev, competing));
  }
  return CheckResult::pass({"智慧卡服務（PC/SC）正常執行", "The smart-card service (PC/SC) is running"}, ev);
}

// ---- pcsc.readers -------------------------------------------------------------

std::string state_zh(const std::string& state) {
  if (state == "empty") return "無卡片";
  if (state == "present") return "有卡片";
  if (state == "inuse") return "卡片使用中";
  if (state == "exclusive") return "被其他程式獨占";
  if (state == "mute") return "卡片無回應";
  if (state == "unavailable") return "無法使用";
  return "狀態不明";
}

// The PC/SC service's readers and the states of those asked for (`only`: that one reader,
// else all), with the context still open for reading the cards; or the result that says
// which step failed.
struct OpenReaders {
  std::optional<PcscContext> context;
  std::vector<std::string> names;   // every reader the service lists
  std::vector<ReaderState> states;  // of the readers asked for
};

std::variant<OpenReaders, CheckResult> open_readers(const std::string& only) {
  auto context = PcscContext::establish();
  if (!context)
    return with_platform_remedy(
        CheckResult::from_error(context.error(), {"無法連線到智慧卡服務（PC/SC）", "Cannot reach the smart-card service (PC/SC)"}));
  auto names = context->list_readers();
  if (!names)
    return with_platform_remedy(CheckResult::from_error(names.error(), {"無法取得讀卡機清單", "Cannot list the card readers"}));
  std::vector<std::string> wanted;
  for (const auto& n : *names)
    if (only.empty() || n == only) wanted.push_back(n);
  auto states = context->states(wanted);
  if (!states)
    return with_platform_remedy(CheckResult::from_error(states.error(), {"無法取得讀卡機狀態", "Cannot read the readers' state"}));
  OpenReaders out;
  out.context.emplace(std::move(*context));
  out.names = std::move(*names);
  out.states = std::move(*states);
  return out;
}

CheckResult check_readers(const PcscPaths& paths, const CheckContext& ctx) {
  auto opened = open_readers("");
  if (auto* failed = std::get_if<CheckResult>(&opened)) return std::move(*failed);
  const OpenReaders& open = std::get<OpenReaders>(opened);
  const std::vector<std::string>& names = open.names;
  const std::vector<ReaderState>& states = open.states;
  ReaderInventory inv;
  inv.readers = states;
  inv.drivers = scan_reader_drivers(paths.drivers_dir);
  inv.usb = match_usb_readers(scan_usb_card_readers(paths.sysfs_root), inv.drivers.drivers, names);
  const DriverScan& drivers = inv.drivers;
  std::vector<std::string> no_driver, not_seen;
  for (const auto& u : inv.usb) {
    const std::string label = u.usb.product.empty() ? u.usb.sysfs_name : u.usb.product;
    if (u.seen_by_pcsc) continue;
    (u.driver.empty() ? no_driver : not_seen).push_back(label);
  }
  const Json ev = to_json(inv);
  ctx.log().info("pcsc", std::to_string(names.size()) + " reader(s), " + std::to_string(inv.usb.size()) + " USB smart-card interface(s)");
  auto with_model = [&inv](CheckResult r) {
    r.set_model(std::move(inv));
    return r;
  };

  if (!no_driver.empty()) {
    auto r = with_model(with_platform_remedy(CheckResult::failure(
        "PCSC-READER-NO-DRIVER", {"讀卡機沒有驅動程式：" + join_names(no_driver), "Reader without a driver: " + join_names(no_driver)},
        ev, "USB class 0x0B device(s) not listed by any driver bundle: " + join_names(no_driver))));
    if (!names.empty()) r.status = Status::warn;  // another reader works
    return r;
  }
  if (names.empty() && !not_seen.empty())
    return with_model(with_platform_remedy(CheckResult::warning(
        "PCSC-READER-NOT-SEEN", {"讀卡機已接上但智慧卡服務沒有看到它", "A reader is plugged in but PC/SC does not see it"}, ev,
        "USB reader(s) with a driver but no PC/SC reader: " + join_names(not_seen))));
  if (names.empty())
    return with_model(with_platform_remedy(CheckResult::failure("PCSC-NO-READER", {"找不到讀卡機", "No card reader found"}, ev,
                                                                "SCardListReaders: SCARD_E_NO_READERS_AVAILABLE, no USB smart-card interface")));
  for (const auto& s : states)
    if (s.state() == "exclusive")
      return with_model(with_platform_remedy(CheckResult::warning(
          "PCSC-READER-EXCLUSIVE", {"讀卡機「" + s.name + "」被其他程式獨占", "Reader \"" + s.name + "\" is held exclusively by another program"},
          ev, "SCARD_STATE_EXCLUSIVE on " + s.name)));
  if (!drivers.problems.empty())
    return with_model(with_platform_remedy(CheckResult::warning(
        "PCSC-DRIVER-BROKEN", {"讀卡機可用，但有驅動程式描述檔損壞", "Readers work, but a driver description file is damaged"}, ev,
        drivers.problems.front().detail)));
  std::string list_zh, list_en;
  for (const auto& s : states) {
    list_zh += (list_zh.empty() ? "" : "；") + s.name + "（" + state_zh(s.state()) + "）";
    list_en += (list_en.empty() ? "" : "; ") + s.name + " (" + s.state() + ")";
  }
  return with_model(CheckResult::pass({"找到 " + std::to_string(names.size()) + " 台讀卡機：" + list_zh,
                                       "Found " + std::to_string(names.size()) + " reader(s): " + list_en},
                                      ev));
}

// ---- card.atr -----------------------------------------------------------------

struct CardFinding {
  CheckResult result;
  bool taiwan = false;
};

Json applet_probe(const PcscContext& context, const std::string& reader, const TaiwanAtrTable& table, CardIdentity& id) {
  Json j{{"aid", hex_spaced(table.gen2_applet_aid)}, {"command", "SELECT by AID (00 A4 04 00), read-only"}};
  auto sw = context.select_aid(reader, table.gen2_applet_aid);
  if (!sw) {
    j["error"] = sw.error().detail;
    return j;
  }
  char b[8];
  std::snprintf(b, sizeof b, "%02X %02X", *sw >> 8, *sw & 0xFF);
  j["sw"] = b;
  const bool found = *sw == 0x9000 || (*sw >> 8) == 0x61;
  j["gen2_applet"] = found;
  if (found) {
    id.generation = "gen2";
    id.generation_verified = true;
  } else if (id.family != "lab") {
    // A CHT card without the GPPKI applet is the first generation (CLA 0x80 "CHT V32N").
    id.generation = "gen1";
    id.generation_verified = true;
  }
  return j;
}

CardFinding examine_card(const PcscContext& context, const ReaderState& s, const TaiwanAtrTable& table, const SmartcardList& list,
                         bool probe) {
  Json ev{{"reader", s.name}, {"atr", hex_spaced(s.atr)}};
  auto decoded = decode_atr(s.atr);
  CardIdentity id = identify_card(s.atr, decoded ? &*decoded : nullptr, table, &list);
  if (decoded) ev["decoded"] = decoded->to_json();
  else ev["decode_error"] = decoded.error().detail;
  if (probe && id.taiwan_certificate_card) ev["applet_probe"] = applet_probe(context, s.name, table, id);
  ev["card_type"] = id.to_json();  // not "identity": reports treat that key as personal data
  const std::string atr = hex_spaced(s.atr);
  if (!decoded) {
    return {CheckResult::from_error(decoded.error(), {"「" + s.name + "」中卡片的 ATR 格式不正確：" + atr,
                                                      "The card in \"" + s.name + "\" sent a malformed ATR: " + atr},
                                    ev),
            id.taiwan_certificate_card};
  }
  if (id.source == CardIdentity::Source::none) {
    auto r = CheckResult::failure("ATR-UNKNOWN-CARD", {"無法辨識「" + s.name + "」中的卡片（ATR " + atr + "）",
                                                       "The card in \"" + s.name + "\" is not known (ATR " + atr + ")"},
                                  ev, "ATR not in the Taiwan table, smartcard_list.txt or historical-byte hints");
    r.status = Status::unknown;  // not a failure: we do not know, and say so
    return {std::move(r), false};
  }
  if (!id.taiwan_certificate_card) {
    const std::string what = id.name.en;
    return {CheckResult::warning("ATR-NOT-TAIWAN-CARD", {"「" + s.name + "」中的卡片不是憑證卡：" + what,
                                                         "The card in \"" + s.name + "\" is not a certificate card: " + what},
                                 ev, "smartcard_list.txt: " + what),
            false};
  }
  std::string gen = id.generation == "unknown" ? "" : ", " + id.generation;
  return {CheckResult::pass({"「" + s.name + "」：" + id.name.zh_TW + gen, "\"" + s.name + "\": " + id.name.en + gen}, ev), true};
}

CheckResult check_card(const RunOptions& options, const PcscCheckConfig& config, const CheckContext& ctx) {
  auto opened = open_readers(options.reader);
  if (auto* failed = std::get_if<CheckResult>(&opened)) return std::move(*failed);
  const OpenReaders& open = std::get<OpenReaders>(opened);
  const PcscContext& context = *open.context;
  const std::vector<ReaderState>& states = open.states;

  auto table = TaiwanAtrTable::load(config.taiwan_table.empty() ? asset_path("atr/taiwan.json") : config.taiwan_table);
  if (!table) return CheckResult::from_error(table.error(), {"內建的卡片辨識表無法載入", "The built-in card table could not be loaded"});
  std::string list_path = options.smartcard_list;
  if (list_path.empty())
    for (const auto& p : default_smartcard_list_paths())
      if (std::ifstream(p)) {
        list_path = p;
        break;
      }
  // Only the entries for the cards in the readers are kept (the whole list compiled is
  // most of a run's memory); with no card in, there is nothing to look up.
  std::vector<std::vector<std::uint8_t>> atrs;
  for (const auto& s : states)
    if (s.card_present() && !s.atr.empty()) atrs.push_back(s.atr);
  const SmartcardList list = list_path.empty() || atrs.empty() ? SmartcardList{} : load_smartcard_list(list_path, atrs);
  ctx.log().info("pcsc", "smartcard_list: " + (list_path.empty() ? std::string("none") : list_path) + ", " +
                             std::to_string(list.entries.size()) + " entries for the cards in, " + std::to_string(list.problems.size()) + " skipped lines");

  Json ev{{"smartcard_list", list_path.empty() ? Json(nullptr) : Json(list_path)}, {"cards", Json::array()}};
  std::vector<CardFinding> found;
  std::vector<std::string> mute, empty;
  for (const auto& s : states) {
    if (s.card_present() && !s.atr.empty()) {
      found.push_back(examine_card(context, s, *table, list, config.probe_applet));
      ev["cards"].push_back(found.back().result.evidence);
    } else if (s.state() == "mute") {
      mute.push_back(s.name);
    } else {
      empty.push_back(s.name);
    }
  }
  ev["empty_readers"] = empty;
  ev["mute_readers"] = mute;
  if (found.empty()) {
    if (!mute.empty())
      return CheckResult::failure("CARD-MUTE", {"「" + mute.front() + "」中的卡片沒有回應", "The card in \"" + mute.front() + "\" does not answer"},
                                  ev, "SCARD_STATE_MUTE on " + join_names(mute));
    return CheckResult::failure("CARD-NOT-INSERTED", {"讀卡機中沒有卡片", "No card in the reader"}, ev,
                                "no reader reports SCARD_STATE_PRESENT: " + join_names(empty));
  }
  // One certificate card among several cards is what counts; otherwise the worst finding.
  size_t pick = 0;
  for (size_t i = 0; i < found.size(); ++i) {
    if (found[i].taiwan && found[i].result.status == Status::pass) {
      pick = i;
      break;
    }
    if (worst(found[i].result.status, found[pick].result.status) == found[i].result.status) pick = i;
  }
  CheckResult r = std::move(found[pick].result);
  r.evidence = std::move(ev);
  if (found.size() > 1) {
    r.summary.zh_TW += "（共 " + std::to_string(found.size()) + " 張卡片）";
    r.summary.en += " (" + std::to_string(found.size()) + " cards in all)";
  }
  return r;
}

}  // namespace

std::vector<Check> pcsc_checks(const RunOptions& options, PcscCheckConfig config) {
  const PcscPaths paths = config.paths;
  std::vector<Check> out;
  out.push_back({.id = "pcsc.service",
                 .title = {"智慧卡服務（PC/SC）", "Smart-card service (PC/SC)"},
                 .timeout = options.probe_timeout,
                 .run = [paths](const CheckContext& ctx) { return check_service(paths, ctx); }});
  out.push_back({.id = "pcsc.readers",
                 .title = {"讀卡機", "Card readers"},
                 .depends_on = {"pcsc.service"},
                 .timeout = options.probe_timeout,
                 .run = [paths](const CheckContext& ctx) { return check_readers(paths, ctx); }});
  out.push_back({.id = "card.atr",
                 .title = {"卡片辨識（ATR）", "Card identification (ATR)"},
                 .depends_on = {"pcsc.readers"},
                 .timeout = options.probe_timeout,
                 .run = [options, config](const CheckContext& ctx) { return check_card(options, config, ctx); }});
  return out;
}

Json to_json(const ReaderInventory& inv) {
  Json rj = Json::array();
  for (const auto& s : inv.readers) {
    Json r{{"name", s.name}, {"state", s.state()}};
    if (!s.atr.empty()) r["atr"] = hex_spaced(s.atr);
    rj.push_back(std::move(r));
  }
  Json dj = Json::array();
  for (const auto& d : inv.drivers.drivers) dj.push_back(to_json(d));
  Json pj = Json::array();
  for (const auto& p : inv.drivers.problems) pj.push_back(p.detail);
  Json uj = Json::array();
  for (const auto& u : inv.usb) uj.push_back(to_json(u));
  return Json{{"readers", std::move(rj)}, {"drivers", std::move(dj)}, {"driver_problems", std::move(pj)}, {"usb_card_readers", std::move(uj)}};
}

}  // namespace certwiz::pcsc

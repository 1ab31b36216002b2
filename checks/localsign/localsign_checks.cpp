#include "checks/localsign/localsign_checks.h"

#include <cstdio>

#include "checks/core/platform.h"
#include "checks/localsign/ret_codes.h"

namespace certwiz::localsign {

std::string_view this_os() { return os_name(); }

namespace {
std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}
}  // namespace

CheckResult result_for_ret_code(uint32_t ret_code, int64_t last_error, Text context) {
  Json ev{{"ret_code", hex32(ret_code)}};
  const RetCodeInfo* info = describe_ret_code(ret_code);
  if (!info) return CheckResult::failure("LOCALSIGN-UNKNOWN-RET-CODE", {context.zh_TW + "：未知錯誤碼 " + hex32(ret_code), context.en + ": unknown code " + hex32(ret_code)}, ev);
  ev["ret_name"] = info->name;
  Text summary{context.zh_TW + "：" + info->meaning.zh_TW, context.en + ": " + info->meaning.en};
  if (auto le = describe_last_error(last_error)) {
    ev["last_error"] = le->name;
    summary.zh_TW += "（" + le->meaning.zh_TW + "）";
    summary.en += " (" + le->meaning.en + ")";
    if (le->tries_left) ev["tries_left"] = *le->tries_left;
    ev["locked"] = le->locked;
  } else if (last_error != 0) {
    ev["last_error"] = last_error;
  }
  return CheckResult::failure(info->failure_code, summary, ev);
}

CheckResult check_service(const Client& client, const SiteProfile* site) {
  auto v = client.version();
  if (!v) {
    const Error& e = v.error();
    Text s = e.code == "LOCALSIGN-NOT-RUNNING"
                 ? Text{"127.0.0.1:61161 沒有回應：跨平台網頁元件沒有執行", "Nothing answers on 127.0.0.1:61161: the component is not running"}
                 : e.code == "LOCALSIGN-TIMEOUT" ? Text{"跨平台網頁元件沒有回應", "The component does not answer"}
                                                : Text{"61161 埠的回應不是跨平台網頁元件", "What answers on port 61161 is not the component"};
    return CheckResult::from_error(e, s);
  }
  ComponentState state;
  state.version = *v;
  state.os = std::string(this_os());
  if (site) {
    auto it = site->min_localsign_version.find(state.os);
    if (it != site->min_localsign_version.end()) {
      state.site_minimum = it->second;
      state.older_than_site = compare_versions(*v, it->second) < 0;
    }
  }
  CheckResult r =
      state.older_than_site
          ? CheckResult::failure("LOCALSIGN-OLD-VERSION",
                                 {"跨平台網頁元件 " + *v + " 比網站要求的 " + *state.site_minimum + " 舊",
                                  "Component " + *v + " is older than the " + *state.site_minimum + " the site requires"},
                                 to_json(state))
          : CheckResult::pass({"跨平台網頁元件 " + *v + " 執行中", "Local signing component " + *v + " is running"}, to_json(state));
  r.set_model(std::move(state));
  return r;
}

Json to_json(const ComponentState& s) {
  Json ev{{"version", s.version}, {"os", s.os}};
  if (s.site_minimum) ev["site_minimum"] = *s.site_minimum;
  return ev;
}

Json to_json(const Pkcs11Info& info) {
  Json slots = Json::array();
  for (const auto& s : info.slots) {
    Json js{{"reader", s.description}, {"card", s.token.has_value()}};
    if (s.token) {
      js["serial"] = s.token->serial;
      Json certs = Json::array();
      for (const auto& c : s.token->certs)
        certs.push_back(Json{{"label", c.label}, {"usage", c.usage}, {"subject", c.subject_dn}, {"issuer", c.issuer_dn}, {"serial", c.sn}});
      js["certificates"] = certs;
    }
    slots.push_back(js);
  }
  return Json{{"library_description", info.library_description}, {"library_version", info.library_version},
              {"server_version", info.server_version}, {"slots", slots}};
}

CheckResult check_tokens(const Client& client) {
  auto info = client.pkcs11info(true);
  if (!info) return CheckResult::from_error(info.error(), {"無法讀取元件看到的卡片", "Cannot read what the component sees"});
  int with_card = 0;
  for (const auto& s : info->slots) with_card += s.token.has_value();
  const Json ev = to_json(*info);
  auto with_model = [&info](CheckResult r) {
    r.set_model(std::move(*info));
    return r;
  };
  if (info->ret_code != 0) {
    auto r = result_for_ret_code(info->ret_code, 0, {"元件回報", "The component reports"});
    r.evidence.update(ev);
    return with_model(std::move(r));
  }
  if (info->slots.empty())
    return with_model(CheckResult::failure("LOCALSIGN-NO-READER", {"元件找不到讀卡機", "The component finds no reader"}, ev));
  if (with_card == 0)
    return with_model(CheckResult::warning("LOCALSIGN-NO-CARD", {"元件看到 " + std::to_string(info->slots.size()) + " 台讀卡機，但沒有卡片",
                                                                 "The component sees " + std::to_string(info->slots.size()) + " reader(s) but no card"},
                                           ev));
  return with_model(
      CheckResult::pass({"元件看到 " + std::to_string(with_card) + " 張卡片", "The component sees " + std::to_string(with_card) + " card(s)"}, ev));
}

std::vector<Check> localsign_checks(const RunOptions& options) {
  auto client = std::make_shared<Client>(options.local_sign_url, options.probe_timeout);
  std::shared_ptr<const SiteProfile> site;
  if (auto p = load_site_profile(options.site_profile.empty() ? "default" : options.site_profile)) site = std::make_shared<SiteProfile>(*p);
  std::vector<Check> checks;
  Check service;
  service.id = "localsign.service";
  service.title = {"跨平台網頁元件", "Local signing component"};
  service.timeout = options.probe_timeout + std::chrono::seconds(2);
  service.run = [client, site](const CheckContext&) { return check_service(*client, site.get()); };
  checks.push_back(service);
  Check tokens;
  tokens.id = "localsign.tokens";
  tokens.title = {"元件看到的讀卡機與卡片", "Readers and cards the component sees"};
  tokens.depends_on = {"localsign.service"};
  tokens.run_when_dependency_fails = false;
  tokens.timeout = options.probe_timeout + std::chrono::seconds(2);
  tokens.run = [client](const CheckContext&) { return check_tokens(*client); };
  checks.push_back(tokens);
  return checks;
}

}  // namespace certwiz::localsign

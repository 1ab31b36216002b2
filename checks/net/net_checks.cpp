#include "checks/net/net_checks.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>

#include "checks/core/platform.h"
#include "checks/core/secret.h"
#include "checks/net/http.h"
#include "checks/net/proxy.h"
#include "checks/net/tcp.h"

namespace certwiz::net {

namespace {

constexpr long kSkewWarnSeconds = 300;

std::optional<SiteProfile> profile_for(const RunOptions& options) {
  auto p = load_site_profile(options.site_profile.empty() ? "default" : options.site_profile);
  if (!p) return std::nullopt;
  return *p;
}

// Host and port of a proxy URL.
bool split_proxy(const std::string& url, std::string& host, std::string& port) {
  std::string rest = url;
  if (auto p = rest.find("://"); p != std::string::npos) rest = rest.substr(p + 3);
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  host = colon == std::string::npos ? rest : rest.substr(0, colon);
  port = colon == std::string::npos ? "1080" : rest.substr(colon + 1);
  return !host.empty();
}

Json proxy_json(const ProxyFacts& f) {
  Json list = Json::array();
  for (const auto& s : f.settings) list.push_back(Json{{"source", s.source}, {"url", hide_url_credentials(s.url)}});
  return list;
}

}  // namespace

CheckResult check_proxy(const RunOptions& options, const SiteProfile* site) {
  const ProxyFacts env = environment_proxies();
  const ProxyFacts desk = desktop_proxies();
  const std::string host = site ? site->host() : std::string{};
  const std::string effective = effective_proxy(options.proxy, host, env);
  Json ev{{"environment", proxy_json(env)},
          {"no_proxy", env.no_proxy},
          {"desktop_mode", desk.desktop_mode},
          {"desktop", proxy_json(desk)},
          {"explicit", hide_url_credentials(options.proxy)},
          {"effective_for_site", hide_url_credentials(effective)}};
  if (effective.empty()) {
    if (!desk.settings.empty())
      return CheckResult::pass({"不經代理伺服器直接連線（桌面設定有代理，但 CertWiz 與命令列工具不使用）",
                                "Direct connection (the desktop has a proxy that CertWiz and command-line tools do not use)"},
                               ev);
    return CheckResult::pass({"不使用代理伺服器，直接連線", "No proxy: direct connection"}, ev);
  }
  std::string phost, pport, why;
  if (!split_proxy(effective, phost, pport))
    return CheckResult::failure("NET-PROXY-UNREACHABLE",
                                {"代理伺服器設定無法解讀：" + hide_url_credentials(effective),
                                 "Proxy setting not understood: " + hide_url_credentials(effective)},
                                ev);
  if (!tcp_reachable(phost, pport, 3000, why)) {
    ev["error"] = why;
    return CheckResult::failure("NET-PROXY-UNREACHABLE",
                                {"無法連到代理伺服器 " + phost + ":" + pport, "Cannot reach the proxy " + phost + ":" + pport},
                                ev, why);
  }
  return CheckResult::pass({"經由代理伺服器 " + phost + ":" + pport + " 連線", "Through the proxy " + phost + ":" + pport}, ev);
}

CheckResult check_site_connection(const RunOptions& options, const SiteProfile& site, const CancelToken& cancel) {
  const std::string host = site.host();
  const ProxyFacts env = environment_proxies();
  const std::string proxy = effective_proxy(options.proxy, host, env);
  const std::string shown_proxy = hide_url_credentials(proxy);
  Json ev{{"url", site.base_url}, {"host", host}, {"port", site.port()}, {"proxy", shown_proxy}};

  // Without a proxy the name is resolved here, so a DNS failure is told apart from a
  // refused connection; through a proxy the proxy resolves it.
  if (proxy.empty()) {
    const Resolution resolved = resolve_host(host, std::to_string(site.port()));
    if (!resolved.error.empty())
      return CheckResult::failure("NET-DNS-FAILED", {"查不到 " + host + " 的網址", "Cannot resolve " + host}, ev, resolved.error);
    ev["addresses"] = resolved.addresses;
  }

  HttpRequest req;
  req.method = "HEAD";
  req.url = site.base_url + "/";
  req.proxy = proxy.empty() ? "direct" : proxy;
  req.timeout = options.probe_timeout;
  req.cancel = &cancel;
  if (!site.tls_ca_files.empty()) req.ca_file = site.tls_ca_files.front();
  const std::time_t before = std::time(nullptr);
  HttpResponse resp = http_request(req);
  ev["elapsed_ms"] = resp.total_ms;
  ev["local_time"] = static_cast<long long>(before);
  if (!resp.ok()) {
    ev["failure"] = failure_name(resp.failure);
    const std::string where = host + ":" + std::to_string(site.port());
    switch (resp.failure) {
      case HttpFailure::dns:
        return CheckResult::failure("NET-DNS-FAILED", {"查不到 " + host + " 的網址", "Cannot resolve " + host}, ev, resp.error);
      case HttpFailure::refused:
        return CheckResult::failure("NET-REFUSED", {where + " 拒絕連線", where + " refused the connection"}, ev, resp.error);
      case HttpFailure::timeout:
        return CheckResult::failure("NET-TIMEOUT", {"連線到 " + where + " 逾時", "Timed out connecting to " + where}, ev, resp.error);
      case HttpFailure::tls_verify:
        return CheckResult::failure("NET-TLS-VERIFY", {where + " 的 HTTPS 憑證無法驗證", "Cannot verify the HTTPS certificate of " + where}, ev, resp.error);
      case HttpFailure::proxy: {
        ev["proxy_status"] = resp.proxy_status;
        if (resp.timed_out) {
          const std::string s = std::to_string(std::max<long long>(1, options.probe_timeout.count() / 1000));
          return CheckResult::failure("NET-PROXY-FAILED",
                                      {"代理伺服器 " + shown_proxy + " 在 " + s + " 秒內沒有回應",
                                       "The proxy " + shown_proxy + " did not answer within " + s + " s"},
                                      ev, resp.error);
        }
        if (resp.proxy_status >= 400) {
          const std::string code = std::to_string(resp.proxy_status);
          return CheckResult::failure("NET-PROXY-FAILED",
                                      {"代理伺服器不允許連到 " + where + "（HTTP " + code + "）",
                                       "The proxy refused to connect to " + where + " (HTTP " + code + ")"},
                                      ev, resp.error);
        }
        return CheckResult::failure("NET-PROXY-FAILED", {"經由代理伺服器連到 " + where + " 失敗", "The proxy could not connect to " + where}, ev, resp.error);
      }
      case HttpFailure::cancelled: {
        auto r = CheckResult::failure("ENGINE-CANCELLED", {"已取消", "Cancelled"}, ev);
        r.status = Status::skipped;
        return r;
      }
      default:
        return CheckResult::failure("NET-TLS-HANDSHAKE", {"與 " + where + " 建立 HTTPS 連線失敗", "HTTPS connection to " + where + " failed"}, ev, resp.error);
    }
  }
  ev["http_status"] = resp.status;
  ev["server_ip"] = resp.primary_ip;
  SiteTime time{{}, before};
  if (auto d = resp.headers.find("date"); d != resp.headers.end()) ev["date_header"] = time.date_header = d->second;
  CheckResult r =
      resp.status >= 500
          ? CheckResult::warning("NET-HTTP-ERROR",
                                 {"網站回應 HTTP " + std::to_string(resp.status), "The site answered HTTP " + std::to_string(resp.status)}, ev)
          : CheckResult::pass({"可以用 HTTPS 連到 " + host + "（" + std::to_string(static_cast<int>(resp.total_ms)) + " ms）",
                               "HTTPS to " + host + " works (" + std::to_string(static_cast<int>(resp.total_ms)) + " ms)"},
                              ev);
  r.set_model(std::move(time));
  return r;
}

std::optional<long> clock_skew_seconds(const std::string& http_date, std::time_t local_now) {
  std::tm tm{};
  // RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"; English names whatever
  // the user's locale (std::get_time, not strptime: the same code on Windows).
  std::istringstream in(http_date);
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  const std::time_t server = utc_seconds(tm);
  return static_cast<long>(local_now - server);
}

CheckResult check_clock(const CheckResult* site_result) {
  const SiteTime* time = site_result ? site_result->model<SiteTime>() : nullptr;
  if (!time || time->date_header.empty())
    return CheckResult::unknown({"網站沒有提供時間，無法比對電腦時間", "The site sent no time to compare the clock with"});
  const std::string& date = time->date_header;
  const std::time_t local = time->local_time;
  auto skew = clock_skew_seconds(date, local);
  Json ev{{"server_date", date}};
  if (!skew) return CheckResult::unknown({"網站時間格式無法解讀", "The site's Date header could not be read"}, ev);
  ev["skew_seconds"] = *skew;
  if (std::labs(*skew) > kSkewWarnSeconds) {
    const std::string s = std::to_string(*skew);
    return CheckResult::warning("NET-CLOCK-SKEW", {"電腦時間與網站相差 " + s + " 秒", "The clock differs from the site's by " + s + " s"}, ev);
  }
  return CheckResult::pass({"電腦時間正確（相差 " + std::to_string(*skew) + " 秒）", "The clock is right (" + std::to_string(*skew) + " s off)"}, ev);
}

std::vector<Check> network_checks(const RunOptions& options) {
  std::vector<Check> checks;
  auto site = std::make_shared<std::optional<SiteProfile>>(profile_for(options));
  Check proxy;
  proxy.id = "net.proxy";
  proxy.title = {"代理伺服器設定", "Proxy settings"};
  proxy.run = [options, site](const CheckContext&) { return check_proxy(options, site->has_value() ? &**site : nullptr); };
  checks.push_back(proxy);

  Check conn;
  conn.id = "net.site";
  conn.title = {"連線到申報網站", "Connection to the site"};
  conn.run_when_dependency_fails = true;  // a broken proxy setting is itself worth testing against
  conn.depends_on = {"net.proxy"};
  conn.timeout = options.probe_timeout + std::chrono::seconds(5);
  conn.run = [options, site](const CheckContext& ctx) {
    if (!site->has_value()) {
      auto p = load_site_profile(options.site_profile.empty() ? "default" : options.site_profile);
      return CheckResult::warning("NET-NO-SITE-PROFILE", {"沒有網站設定檔", "No site profile"}, Json::object(),
                                  p ? "" : p.error().detail);
    }
    return check_site_connection(options, **site, ctx.cancel());
  };
  checks.push_back(conn);

  Check clock;
  clock.id = "net.clock";
  clock.title = {"電腦時間", "Computer clock"};
  clock.depends_on = {"net.site"};
  clock.run = [](const CheckContext& ctx) { return check_clock(ctx.result_of("net.site")); };
  checks.push_back(clock);
  return checks;
}

}  // namespace certwiz::net

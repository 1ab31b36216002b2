#include "checks/site/session.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace certwiz::site {

namespace {

Error net_error(const net::HttpResponse& r, const std::string& where) {
  const std::string d = where + ": " + r.error;
  switch (r.failure) {
    case net::HttpFailure::dns: return {"NET-DNS-FAILED", d};
    case net::HttpFailure::refused: return {"NET-REFUSED", d};
    case net::HttpFailure::timeout: return {"NET-TIMEOUT", d};
    case net::HttpFailure::tls_verify: return {"NET-TLS-VERIFY", d};
    case net::HttpFailure::tls_handshake: return {"NET-TLS-HANDSHAKE", d};
    case net::HttpFailure::proxy: return {"NET-PROXY-FAILED", d};
    case net::HttpFailure::too_large: return {"SITE-ANSWER-TOO-LARGE", where + ": more than " + std::to_string(kMaxAnswerBytes) + " bytes"};
    case net::HttpFailure::cancelled: return {"ENGINE-CANCELLED", d};
    default: return {"NET-HTTP-ERROR", d};
  }
}

}  // namespace

std::string site_origin(const SiteProfile& profile) {
  std::string o = profile.base_url;
  while (!o.empty() && o.back() == '/') o.pop_back();
  return o;
}

Expected<SiteProfile> load_client_profile(const std::string& path_or_name) {
  if (!path_or_name.empty()) return load_site_profile(path_or_name);
  if (const char* lab = std::getenv("CERTWIZ_LAB_SITE_PROFILE"); lab && *lab) return load_site_profile(lab);
  return load_site_profile("default");
}

SiteClient::SiteClient(SiteProfile profile, SiteClientOptions options)
    : profile_(std::move(profile)), options_(std::move(options)) {
  std::vector<std::string> files = profile_.tls_ca_files;
  files.insert(files.end(), options_.extra_ca_files.begin(), options_.extra_ca_files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in || ss.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      ca_error_ = Error{"SITE-PROFILE-MALFORMED", "TLS CA file unreadable or not PEM: " + f};
      break;
    }
    ca_pem_ += ss.str();
    ca_pem_ += '\n';
  }
}

SiteClient::~SiteClient() {
  for (auto& [name, value] : cookies_) wipe(value);
}

std::string SiteClient::endpoint_url(const std::string& endpoint, std::string_view query) const {
  std::string url = profile_.url(endpoint);
  if (!query.empty()) url += (url.find('?') == std::string::npos ? "?" : "&") + std::string(query);
  return url;
}

std::optional<std::string> SiteClient::cookie(const std::string& name) const {
  auto it = cookies_.find(name);
  if (it == cookies_.end()) return std::nullopt;
  return it->second;
}

void SiteClient::take_cookies(const std::vector<std::string>& set_cookie) {
  for (const auto& line : set_cookie) {
    std::string_view v = line;
    const auto semi = v.find(';');
    std::string_view pair = v.substr(0, semi);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string name(pair.substr(0, eq));
    std::string value(pair.substr(eq + 1));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    if (name.size() > 64 || value.size() > 4096) continue;
    if (value.find_first_of(" ;,\"\\\r\n") != std::string::npos) continue;
    std::string attrs = semi == std::string_view::npos ? std::string() : std::string(v.substr(semi));
    std::transform(attrs.begin(), attrs.end(), attrs.begin(), [](unsigned char c) { return std::tolower(c); });
    attrs.erase(std::remove(attrs.begin(), attrs.end(), ' '), attrs.end());
    const bool expire = value.empty() || attrs.find(";max-age=0") != std::string::npos ||
                        attrs.find(";max-age=-") != std::string::npos;
    if (expire) {
      if (auto it = cookies_.find(name); it != cookies_.end()) {
        wipe(it->second);
        cookies_.erase(it);
      }
      continue;
    }
    if (cookies_.size() >= 32 && !cookies_.count(name)) continue;
    cookies_[name] = std::move(value);
  }
}

Expected<SiteClient::Answer> SiteClient::request(const std::string& method, const std::string& endpoint,
                                                 std::string_view query, std::string_view body,
                                                 std::span<const net::HttpPart> parts) {
  last_failure_.reset();
  if (ca_error_) return *ca_error_;
  auto ep = profile_.endpoints.find(endpoint);
  if (ep == profile_.endpoints.end() || ep->second.empty())
    return Error{"SITE-NOT-CONFIGURED", "the site profile has no \"" + endpoint + "\" endpoint"};
  if (profile_.base_url.rfind("https://", 0) != 0)
    return Error{"SITE-PROFILE-MALFORMED", "base_url must be https:// (the site's cookies are Secure)"};
  if (options_.cancel && options_.cancel->cancelled()) return Error{"ENGINE-CANCELLED", endpoint};
  // The site refuses larger bodies (413); say so without sending it.
  if (body.size() > kMaxBodyBytes)
    return Error{"SITE-BODY-TOO-LARGE", endpoint + ": request of " + std::to_string(body.size()) + " bytes not sent"};
  net::HttpRequest req;
  req.method = method;
  req.url = endpoint_url(endpoint, query);
  req.headers = {"Accept: application/json"};
  // A multipart body gets its Content-Type (with the boundary) from curl.
  if (method == "POST" && parts.empty()) req.headers.push_back("Content-Type: application/json");
  if (!cookies_.empty()) {
    std::string c = "Cookie: ";
    bool first = true;
    for (const auto& [name, value] : cookies_) {
      if (!first) c += "; ";
      c += name + "=" + value;
      first = false;
    }
    req.headers.push_back(std::move(c));
  }
  // No "Expect: 100-continue" round trip for small bodies.
  req.headers.push_back("Expect:");
  req.body = body;
  req.parts.assign(parts.begin(), parts.end());
  req.connect_timeout = options_.connect_timeout;
  req.timeout = options_.timeout;
  req.proxy = options_.proxy;
  req.ca_pem = ca_pem_;
  req.max_body = kMaxAnswerBytes;
  if (options_.cancel) req.cancel = &*options_.cancel;
  auto resp = net::http_request(req);
  for (auto& h : req.headers)
    if (h.rfind("Cookie: ", 0) == 0) wipe(h);
  if (!resp.ok()) {
    last_failure_ = SiteFailure{};
    last_failure_->code = net_error(resp, endpoint).code;
    return net_error(resp, endpoint + " (" + req.url + ")");
  }
  take_cookies(resp.set_cookies);
  return Answer{resp.status, std::move(resp.body)};
}

}  // namespace certwiz::site

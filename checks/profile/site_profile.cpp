#include "checks/profile/site_profile.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "assets/assets.h"

namespace certwiz {

namespace fs = std::filesystem;

namespace {
struct UrlParts {
  std::string scheme, host;
  int port = 0;
};

UrlParts split_url(const std::string& url) {
  UrlParts p;
  auto pos = url.find("://");
  if (pos == std::string::npos) return p;
  p.scheme = url.substr(0, pos);
  std::string rest = url.substr(pos + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest[0] == '[') {  // [::1]:443
    auto close = rest.find(']');
    p.host = rest.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == ':')
      p.port = std::atoi(rest.c_str() + close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    p.host = rest.substr(0, colon);
    p.port = std::atoi(rest.c_str() + colon + 1);
  } else {
    p.host = rest;
  }
  if (p.port == 0) p.port = p.scheme == "http" ? 80 : 443;
  return p;
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base_dir) / path).string();
}
}  // namespace

std::string SiteProfile::host() const { return split_url(base_url).host; }
int SiteProfile::port() const { return split_url(base_url).port; }
std::string SiteProfile::url(const std::string& endpoint) const {
  auto it = endpoints.find(endpoint);
  return base_url + (it == endpoints.end() ? "/" + endpoint : it->second);
}

Expected<SiteProfile> parse_site_profile(const std::string& json_text, const std::string& base_dir) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const std::exception& e) {
    return Error{"SITE-PROFILE-MALFORMED", e.what()};
  }
  if (!j.is_object()) return Error{"SITE-PROFILE-MALFORMED", "not a JSON object"};
  try {
    SiteProfile p;
    p.name = j.value("name", std::string{});
    p.base_url = j.value("base_url", std::string{});
    if (p.base_url.rfind("https://", 0) != 0 && p.base_url.rfind("http://", 0) != 0)
      return Error{"SITE-PROFILE-MALFORMED", "base_url must be an http(s) URL"};
    while (!p.base_url.empty() && p.base_url.back() == '/') p.base_url.pop_back();
    if (j.contains("endpoints"))
      for (auto& [k, v] : j["endpoints"].items()) p.endpoints[k] = v.get<std::string>();
    if (j.contains("tls_ca_files"))
      for (auto& v : j["tls_ca_files"]) p.tls_ca_files.push_back(resolve(v.get<std::string>(), base_dir));
    if (j.contains("login_trust_anchors"))
      for (auto& v : j["login_trust_anchors"]) p.login_trust_anchors.push_back(resolve(v.get<std::string>(), base_dir));
    if (j.contains("min_localsign_version"))
      for (auto& [k, v] : j["min_localsign_version"].items()) p.min_localsign_version[k] = v.get<std::string>();
    p.trusted_domain = j.value("trusted_domain", p.host());
    p.control_no_pattern = j.value("control_no_pattern", std::string{});
    if (j.contains("password_policy")) {
      const auto& pp = j["password_policy"];
      p.password_policy.min_length = pp.value("min_length", 8);
      p.password_policy.require_letter = pp.value("require_letter", true);
      p.password_policy.require_digit = pp.value("require_digit", true);
      p.password_policy.require_special = pp.value("require_special", true);
    }
    if (j.contains("unverified"))
      for (auto& v : j["unverified"]) p.unverified.push_back(v.get<std::string>());
    return p;
  } catch (const std::exception& e) {
    return Error{"SITE-PROFILE-MALFORMED", e.what()};
  }
}

Expected<SiteProfile> load_site_profile(const std::string& path_or_name) {
  std::string path = path_or_name.empty() ? "default" : path_or_name;
  if (path.find('/') == std::string::npos && path.find(".json") == std::string::npos)
    path = asset_path("sites/" + path + ".json");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"SITE-PROFILE-MISSING", "cannot read " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  // Relative CA paths in a shipped profile are relative to assets/; in a user's file, to the file.
  const bool shipped = fs::weakly_canonical(path).string().rfind(fs::weakly_canonical(assets_dir()).string(), 0) == 0;
  return parse_site_profile(ss.str(), shipped ? assets_dir() : fs::path(path).parent_path().string());
}

int compare_versions(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& s) {
    std::vector<long> v;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, '.')) v.push_back(std::atol(item.c_str()));
    return v;
  };
  auto pa = parts(a), pb = parts(b);
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    long x = i < pa.size() ? pa[i] : 0, y = i < pb.size() ? pb[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace certwiz

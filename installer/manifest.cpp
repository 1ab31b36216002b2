#include "installer/manifest.h"

#include <charconv>

#include "checks/core/platform.h"

namespace certwiz::installer {

std::optional<DottedVersion> DottedVersion::parse(std::string_view text) {
  DottedVersion v;
  if (text.empty()) return std::nullopt;
  size_t pos = 0;
  while (true) {
    const size_t dot = text.find('.', pos);
    const std::string_view part = text.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (part.empty() || part.size() > 18) return std::nullopt;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (ec != std::errc() || end != part.data() + part.size()) return std::nullopt;
    v.parts.push_back(n);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return v;
}

std::string DottedVersion::str() const {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) s += '.';
    s += std::to_string(parts[i]);
  }
  return s;
}

std::strong_ordering DottedVersion::operator<=>(const DottedVersion& other) const {
  const size_t n = std::max(parts.size(), other.parts.size());
  for (size_t i = 0; i < n; ++i) {
    const std::uint64_t a = i < parts.size() ? parts[i] : 0;
    const std::uint64_t b = i < other.parts.size() ? other.parts[i] : 0;
    if (a != b) return a <=> b;
  }
  return std::strong_ordering::equal;
}

std::string_view version_state_name(VersionState s) {
  switch (s) {
    case VersionState::not_installed: return "not installed";
    case VersionState::up_to_date: return "up to date";
    case VersionState::update_available: return "update available";
    case VersionState::newer_installed: return "newer installed";
  }
  return "unknown";
}

VersionState compare_installed(const std::optional<DottedVersion>& installed, const DottedVersion& offered) {
  if (!installed) return VersionState::not_installed;
  const auto c = *installed <=> offered;
  if (c == 0) return VersionState::up_to_date;
  return c < 0 ? VersionState::update_available : VersionState::newer_installed;
}

std::string_view package_format_name(PackageFormat f) {
  switch (f) {
    case PackageFormat::zip: return "zip";
    case PackageFormat::tar_gz: return "tar.gz";
    case PackageFormat::pkg: return "pkg";
  }
  return "?";
}

const std::vector<std::string>& default_module_patterns() {
  // Vendor names seen or expected: libHicos_p11v1.so / .dylib, HiCOSPKCS11.dll.
  static const std::vector<std::string> p = {"*p11*.so", "*p11*.so.*", "*pkcs11*.so", "*pkcs11*.so.*",
                                             "*p11*.dylib", "*pkcs11*.dylib", "*pkcs11*.dll", "*p11*.dll"};
  return p;
}

namespace {

Error invalid(std::string detail) { return Error{"INSTALL-MANIFEST-INVALID", std::move(detail)}; }

bool is_hex_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::vector<std::string> string_list(const Json& j, const char* key, const std::string& where, std::string& err) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const Json& a = j.at(key);
  if (!a.is_array()) {
    err = where + "." + key + " is not an array";
    return out;
  }
  for (const auto& e : a) {
    if (!e.is_string()) {
      err = where + "." + key + " holds a non-string";
      return out;
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

Expected<Manifest> parse_manifest(std::string_view json_text) {
  Json j = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid("not valid JSON");
  if (!j.is_object()) return invalid("top level is not an object");
  Manifest m;
  if (j.contains("format")) {
    if (!j["format"].is_number_integer()) return invalid("format is not an integer");
    m.format = j["format"].get<int>();
    if (m.format != 1) return invalid("unsupported manifest format " + std::to_string(m.format));
  }
  if (j.contains("download_page") && j["download_page"].is_string()) m.download_page = j["download_page"].get<std::string>();
  if (!j.contains("packages") || !j["packages"].is_array()) return invalid("packages is missing or not an array");
  size_t index = 0;
  for (const auto& pj : j["packages"]) {
    const std::string where = "packages[" + std::to_string(index++) + "]";
    if (!pj.is_object()) return invalid(where + " is not an object");
    Package p;
    auto str = [&](const char* key, bool required, std::string& out) -> std::optional<Error> {
      if (!pj.contains(key) || pj[key].is_null()) {
        if (required) return invalid(where + "." + key + " is missing");
        return std::nullopt;
      }
      if (!pj[key].is_string()) return invalid(where + "." + key + " is not a string");
      out = pj[key].get<std::string>();
      if (required && out.empty()) return invalid(where + "." + key + " is empty");
      return std::nullopt;
    };
    std::string version, format;
    for (auto [key, req, out] : {std::tuple{"id", true, &p.id}, std::tuple{"os", true, &p.os},
                                 std::tuple{"version", true, &version}, std::tuple{"url", true, &p.url},
                                 std::tuple{"file", true, &p.file_name}, std::tuple{"format", true, &format},
                                 std::tuple{"sha256", false, &p.sha256},
                                 std::tuple{"vendor_installer", false, &p.vendor_installer},
                                 std::tuple{"vendor_script", false, &p.vendor_script}}) {
      if (auto e = str(key, req, *out)) return *e;
    }
    std::string err;
    p.arch = string_list(pj, "arch", where, err);
    if (err.empty()) p.products = string_list(pj, "products", where, err);
    if (err.empty()) p.module_patterns = string_list(pj, "module_patterns", where, err);
    if (!err.empty()) return invalid(err);
    if (p.arch.empty()) return invalid(where + ".arch is missing or empty");
    auto v = DottedVersion::parse(version);
    if (!v) return invalid(where + ".version '" + version + "' is not a dotted number");
    p.version = *v;
    if (format == "zip") p.format = PackageFormat::zip;
    else if (format == "tar.gz") p.format = PackageFormat::tar_gz;
    else if (format == "pkg") p.format = PackageFormat::pkg;
    else return invalid(where + ".format '" + format + "' is not zip, tar.gz or pkg");
    if (p.file_name.find('/') != std::string::npos || p.file_name.find('\\') != std::string::npos ||
        p.file_name == "." || p.file_name == "..")
      return invalid(where + ".file must be a plain file name");
    for (auto& c : p.sha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!p.sha256.empty() && !is_hex_sha256(p.sha256)) return invalid(where + ".sha256 is not 64 hex digits");
    if (pj.contains("size") && !pj["size"].is_null()) {
      if (!pj["size"].is_number_unsigned()) return invalid(where + ".size is not a non-negative integer");
      p.size = pj["size"].get<std::uint64_t>();
    }
    if (pj.contains("unverified")) {
      if (!pj["unverified"].is_boolean()) return invalid(where + ".unverified is not a boolean");
      p.unverified = pj["unverified"].get<bool>();
    }
    if (p.module_patterns.empty()) p.module_patterns = default_module_patterns();
    m.packages.push_back(std::move(p));
  }
  return m;
}

const Package* select_package(const Manifest& m, std::string_view os, std::string_view arch) {
  for (const auto& p : m.packages) {
    if (p.os != os) continue;
    for (const auto& a : p.arch)
      if (a == arch) return &p;
  }
  return nullptr;
}

std::string_view current_os() { return os_name(); }

std::string_view current_arch() {
#if defined(__x86_64__) || defined(_M_X64)
  return "x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return "arm64";
#elif defined(__i386__) || defined(_M_IX86)
  return "x86";
#else
  return "other";
#endif
}

Json to_json(const Package& p) {
  Json j;
  j["id"] = p.id;
  j["os"] = p.os;
  j["arch"] = p.arch;
  j["products"] = p.products;
  j["version"] = p.version.str();
  j["url"] = p.url;
  j["file"] = p.file_name;
  j["format"] = std::string(package_format_name(p.format));
  j["size"] = p.size ? Json(*p.size) : Json(nullptr);
  j["sha256"] = p.sha256.empty() ? Json(nullptr) : Json(p.sha256);
  j["unverified"] = p.unverified;
  return j;
}

}  // namespace certwiz::installer

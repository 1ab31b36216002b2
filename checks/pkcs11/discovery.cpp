#include "checks/pkcs11/discovery.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

namespace certwiz::pkcs11 {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string canonical_or_same(const fs::path& p) {
  std::error_code ec;
  auto c = fs::canonical(p, ec);
  return ec ? p.string() : c.string();
}

void search(const fs::path& dir, int depth, std::set<std::string>& seen, std::vector<ModuleCandidate>& out) {
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return;
  std::vector<fs::directory_entry> entries;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    entries.push_back(*it);
  }
  // Stable order: reports and tests must not depend on directory order.
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& e : entries) {
    std::error_code fec;
    if (e.is_regular_file(fec) && looks_like_hicos_module(e.path().filename().string())) {
      const std::string real = canonical_or_same(e.path());
      if (seen.insert(real).second) out.push_back({e.path().string(), "hicos-install", true});
    } else if (depth > 0 && e.is_directory(fec) && !e.is_symlink(fec)) {
      search(e.path(), depth - 1, seen, out);
    }
  }
}

}  // namespace

std::vector<ModuleCandidate> find_hicos_modules(const std::vector<SearchRoot>& roots) {
  std::vector<ModuleCandidate> out;
  std::set<std::string> seen;
  for (const auto& r : roots) {
    std::error_code ec;
    if (!r.dir.empty() && fs::is_regular_file(r.dir, ec)) {  // a root may name the file itself
      if (seen.insert(canonical_or_same(r.dir)).second) out.push_back({r.dir, "hicos-install", true});
      continue;
    }
    search(r.dir, r.depth, seen, out);
  }
  return out;
}

std::vector<ModuleCandidate> read_p11kit_modules(const std::vector<std::string>& dirs, const std::string& module_dir) {
  std::vector<ModuleCandidate> out;
  for (const auto& d : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(d, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      if (it->path().extension() == ".module") files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f);
      std::string line;
      while (std::getline(in, line)) {
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        const auto colon = line.find(':');
        if (colon == std::string::npos || trim(line.substr(0, colon)) != "module") continue;
        std::string path = trim(line.substr(colon + 1));
        if (path.empty()) continue;
        if (fs::path(path).is_relative()) path = (fs::path(module_dir) / path).string();
        std::string name = fs::path(path).filename().string();
        out.push_back({path, "p11-kit:" + f.string(), looks_like_hicos_module(name)});
      }
    }
  }
  return out;
}

std::string system_root() {
  const char* r = std::getenv("CERTWIZ_SYSTEM_ROOT");
  return r && *r ? std::string(r) : std::string();
}

std::string under_root(const std::string& root, const std::string& path) {
  if (root.empty() || path.empty()) return path;
  return (fs::path(root) / fs::path(path).relative_path()).string();
}

std::vector<SearchRoot> under_root(const std::string& root, std::vector<SearchRoot> roots) {
  for (auto& r : roots) r.dir = under_root(root, r.dir);
  return roots;
}

std::vector<ModuleCandidate> discover_modules(const RunOptions& options) {
  std::vector<ModuleCandidate> out;
  if (!options.pkcs11_module.empty()) out.push_back({options.pkcs11_module, "option", false});
  const std::string root = system_root();
  for (auto& c : find_hicos_modules(under_root(root, hicos_search_roots()))) out.push_back(std::move(c));
#ifdef CERTWIZ_P11_MODULE_DIR
  const std::string module_dir = CERTWIZ_P11_MODULE_DIR;
#else
  const std::string module_dir;
#endif
  std::vector<std::string> config_dirs;
  for (const auto& d : p11kit_config_dirs()) config_dirs.push_back(under_root(root, d));
  auto registered = read_p11kit_modules(config_dirs, module_dir);
  for (auto& c : registered) c.path = under_root(root, c.path);
  // HiCOS registered with p11-kit ranks with the install paths, other modules after.
  std::stable_partition(registered.begin(), registered.end(), [](const auto& c) { return c.hicos; });
  for (auto& c : registered) out.push_back(std::move(c));
  return out;
}

const ModuleCandidate* preferred_module(const std::vector<ModuleCandidate>& candidates) {
  for (const auto& c : candidates)
    if (c.source == "option" || c.hicos) return &c;
  return nullptr;
}

}  // namespace certwiz::pkcs11

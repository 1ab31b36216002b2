#pragma once
// Where the PKCS#11 module is: an explicit path, HiCOS's install locations on this OS,
// or modules registered with p11-kit.
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/options.h"
#include "checks/core/result.h"

namespace certwiz::pkcs11 {

struct ModuleCandidate {
  std::string path;
  std::string source;  // "option", "hicos-install", "p11-kit:<config file>"
  bool hicos = false;  // the file name says it is the HiCOS module
};

// A directory to search and how many levels below it.
struct SearchRoot {
  std::string dir;
  int depth = 0;
};

// Platform half (discovery_linux.cpp, _win, _mac, _generic).
// HiCOS's install locations. The Linux file name is unverified, so it is found by pattern.
std::vector<SearchRoot> hicos_search_roots();
// Whether a file name (any case) looks like the HiCOS PKCS#11 module on this OS.
bool looks_like_hicos_module(std::string_view file_name);
// p11-kit's module configuration directories (system, then user).
std::vector<std::string> p11kit_config_dirs();
// What the system's own records say about the HiCOS client, for the evidence: on
// Windows the uninstall registry entries, the module's file version, the local signing
// component's folder and its processes. An empty object where there is no such record.
Json hicos_installation_facts();

// Files under `roots` that look like the HiCOS module; one entry per real file.
std::vector<ModuleCandidate> find_hicos_modules(const std::vector<SearchRoot>& roots);
// `module:` lines of p11-kit's *.module files in `dirs`; relative paths resolve
// against `module_dir` (p11-kit's default module directory).
std::vector<ModuleCandidate> read_p11kit_modules(const std::vector<std::string>& dirs, const std::string& module_dir);

// The folder installed software is looked for under, as if it were "/": $CERTWIZ_SYSTEM_ROOT,
// empty (the real root) when unset. Tests plant vendor-style installations there.
std::string system_root();
// `path` taken under `root` ("" leaves it as is).
std::string under_root(const std::string& root, const std::string& path);
std::vector<SearchRoot> under_root(const std::string& root, std::vector<SearchRoot> roots);

// Every candidate, best first: the explicit one, HiCOS install paths, p11-kit's.
std::vector<ModuleCandidate> discover_modules(const RunOptions& options);
// The one `diagnose` uses (pkcs11.module): the explicit one, else the first HiCOS one.
// Null when there is neither (other p11-kit modules are not taken for HiCOS).
const ModuleCandidate* preferred_module(const std::vector<ModuleCandidate>& candidates);

}  // namespace certwiz::pkcs11

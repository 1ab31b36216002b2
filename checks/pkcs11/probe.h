#pragma once
// What a PKCS#11 module says about itself, read in a throw-away module host so a broken
// module cannot harm the caller (the installer uses this to confirm an install).
#include <chrono>
#include <string>

#include "checks/core/result.h"

namespace certwiz::pkcs11 {

struct ModuleInfo {
  std::string path;
  std::string manufacturer;      // C_GetInfo manufacturerID, e.g. "Chunghwa Telecom"
  std::string description;       // C_GetInfo libraryDescription
  std::string library_version;   // "1.3"
  std::string cryptoki_version;  // "2.40"
  size_t slot_count = 0;         // slots (readers) the module sees
  size_t token_count = 0;        // of which hold a token (card)
  double pkcs11_ms = 0;          // time spent inside the module's calls
};

// Loads `path` in certwiz-p11host, reads C_GetInfo and the slot list, and unloads it.
// Every request is bounded by `timeout`. Errors: P11-HOST-MISSING, P11-MODULE-LOAD-FAILED,
// P11-MODULE-INIT-FAILED, P11-MODULE-CRASHED, P11-MODULE-HUNG, P11-CALL-FAILED.
Expected<ModuleInfo> probe_module_info(const std::string& path, std::chrono::milliseconds timeout);

class ModuleHost;
// The same, on a host that is already running (a run's shared host): it stays loaded.
Expected<ModuleInfo> probe_module_info(ModuleHost& host);

Json to_json(const ModuleInfo& m);

}  // namespace certwiz::pkcs11

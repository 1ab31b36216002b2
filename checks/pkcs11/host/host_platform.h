#pragma once
// What the module host does differently per system (host_posix.cpp / host_win.cpp):
// how it finds its connection, how it hardens itself, and how it loads a module.
#include <optional>
#include <string>

#include "checks/pkcs11/protocol.h"

namespace certwiz::pkcs11::host {

// Before anything else: keep the PIN out of dumps, no SIGPIPE, no crash dialogs, a safe
// DLL search path.
void prepare_process();

// The connection named on the command line (`--fd N`, or `--pipe-in H --pipe-out H`).
std::optional<wire::Channel> channel_from_arguments(int argc, char** argv);
const char* usage();

// Loads the PKCS#11 library at `path`; nullptr and `error` set when it cannot.
void* load_library(const std::string& path, std::string& error);
void* library_symbol(void* library, const char* name);

long current_process_id();

}  // namespace certwiz::pkcs11::host

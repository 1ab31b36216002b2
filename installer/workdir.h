#pragma once
// Runs a piece of work with its own working directory and a UTF-8 LC_CTYPE, for
// libarchive: archive_write_disk's SECURE_NOABSOLUTEPATHS needs relative names (so a
// working directory), and CP950 name conversion needs a UTF-8 locale. The Linux
// version does it on a private thread (unshare(CLONE_FS), uselocale) so no other
// thread of the process sees either change; the generic one changes the process's
// directory under a lock and restores it.
#include <functional>
#include <string>

namespace certwiz::installer {

// False (with `error` set) when the directory cannot be entered.
bool run_in_directory(const std::string& dir, const std::function<void()>& work, std::string& error);

}  // namespace certwiz::installer

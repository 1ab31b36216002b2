#pragma once
// Where a user's own application data lives, per system (data_dir_<os>.cpp): Linux and
// other Unix $XDG_DATA_HOME (else ~/.local/share), Windows %LOCALAPPDATA%, macOS
// ~/Library/Application Support. The progress of an application is kept there, not in the
// working folder, so the wizard finds it again whatever folder it starts in.
#include <optional>
#include <string>

namespace certwiz::progress {

// The folder for CertWiz's data ("<base>/certwiz", "<base>\CertWiz"), not created here;
// nullopt when the system names no such base folder (no HOME, no LOCALAPPDATA).
std::optional<std::string> user_data_dir();

}  // namespace certwiz::progress

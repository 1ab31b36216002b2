#pragma once
// Runs a helper program (modutil, the vendor's install script or installer) with an
// argument vector, never through a shell; stdin is empty, stdout and stderr are captured.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace certwiz::installer {

struct ProcessResult {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;    // -1 when killed by a signal or not started
  std::string output;    // stdout and stderr together, capped at 64 KiB
  std::string error;     // why it could not be started
};

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& cwd = {},
                          std::chrono::seconds timeout = std::chrono::seconds(120));

// The full path of `program` on PATH ("" when absent); a path with '/' is checked as is.
// Empty and relative PATH elements are skipped: they would mean the current folder.
std::string find_program(const std::string& program);

// Test hook for the crash-safety tests: when the environment variable CERTWIZ_TEST_CRASH_AT
// names `point` ("download", "unpack", "register", "verify", "record"), the process kills
// itself there at once (SIGKILL), as kill -9 or a power cut would. Does nothing otherwise.
void crash_if_asked(std::string_view point);

}  // namespace certwiz::installer

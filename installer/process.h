#pragma once
// Runs a helper program (modutil, the vendor's install script or installer) with an
// argument vector, never through a shell; stdin is empty, stdout and stderr are captured.
#include <chrono>
#include <string>
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
std::string find_program(const std::string& program);

}  // namespace certwiz::installer

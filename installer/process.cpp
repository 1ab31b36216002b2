// The system-independent half of running a helper program: the PATH search (which never
// means the current folder) and the test crash hook. The rest is in process_platform.h.
#include "installer/process.h"

#include <cstdlib>
#include <filesystem>

#include "installer/process_platform.h"

namespace certwiz::installer {

void crash_if_asked(std::string_view point) {
  static const std::string asked = [] {
    const char* v = std::getenv("CERTWIZ_TEST_CRASH_AT");
    return std::string(v ? v : "");
  }();
  if (!asked.empty() && asked == point) platform::end_process_at_once();
}

std::string find_program(const std::string& program) {
  if (program.empty()) return {};
  if (program.find_first_of(platform::directory_separators()) != std::string::npos)
    return platform::is_runnable(program) ? program : std::string();
  const char* path = std::getenv("PATH");
  const std::string p = path ? path : platform::default_program_path();
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(platform::path_list_separator(), start);
    if (end == std::string::npos) end = p.size();
    const std::string dir = p.substr(start, end - start);
    start = end + 1;
    // An empty element means "." to a shell, and a relative one depends on the working
    // directory: either would run whatever "modutil" sits in the folder CertWiz was started from.
    if (dir.empty() || !std::filesystem::path(dir).is_absolute()) continue;
    for (const std::string& name : platform::program_file_names(program)) {
      const std::string candidate = (std::filesystem::path(dir) / name).string();
      if (platform::is_runnable(candidate)) return candidate;
    }
  }
  return {};
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& cwd, std::chrono::seconds timeout) {
  ProcessResult r;
  if (argv.empty()) {
    r.error = "empty command";
    return r;
  }
  // Resolved here rather than by the system's own search (posix_spawnp, CreateProcess),
  // which would look in the current folder.
  const std::string program = find_program(argv[0]);
  if (program.empty()) {
    r.error = argv[0] + ": not found on PATH";
    return r;
  }
  platform::spawn_and_wait(program, argv, cwd, timeout, r);
  return r;
}

}  // namespace certwiz::installer

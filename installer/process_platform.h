#pragma once
// What installer/process.cpp needs from the system: process_posix.cpp, process_win.cpp.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "installer/process.h"

namespace certwiz::installer::platform {

char path_list_separator();                       // between PATH elements: ':' or ';'
std::string_view directory_separators();          // a program name holding one is a path
std::string default_program_path();               // searched when PATH is unset
std::vector<std::string> program_file_names(const std::string& program);  // "x", and "x.exe" on Windows
bool is_runnable(const std::string& path);
void end_process_at_once();  // as kill -9 would

// Starts `program` (a full path) with `argv` in `cwd`, stdin empty; waits up to `timeout`,
// then kills it. Fills started, timed_out, exit_code, output and error.
void spawn_and_wait(const std::string& program, const std::vector<std::string>& argv, const std::string& cwd,
                    std::chrono::seconds timeout, ProcessResult& r);

}  // namespace certwiz::installer::platform

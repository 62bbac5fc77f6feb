// tests/support/subprocess.h — run a program, feed stdin, capture stdout/stderr and exit code.
// For integration tests that drive the real `insightv` binary.
#pragma once

#include <string>
#include <vector>

namespace insightv::test {

struct ProcessResult {
  int exit_code = -1;   // exit status, or 128+signal when killed by a signal
  std::string out, err;
};

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_data = "");
// Runs the built `insightv` CLI with the given arguments.
ProcessResult run_cli(const std::vector<std::string>& args, const std::string& stdin_data = "");
// Starts a program in the background with stdout/stderr sent to `log_path`; returns its pid.
int spawn_process(const std::vector<std::string>& argv, const std::string& log_path);
// Waits for a pid; returns its exit code (128+signal when killed).
int wait_process(int pid);

// A fresh empty folder under the system temp folder, named after the test.
std::string make_temp_dir(const std::string& tag);

}  // namespace insightv::test

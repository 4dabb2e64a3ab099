// Runs a list of child processes, at most `max_parallel` at a time, each with
// its stdout and stderr sent to its own log file, and waits for all of them.
//
// Why processes and not threads: a soak run owns process-wide state (the
// allocator's statistics and heap profiler, the process probe's RSS), so two
// runs in one process would read each other's memory. Each child is exec'd
// fresh, which also gives it its own allocator arena and heap-profile dumps.
//
// Thread safety: run_children() blocks the calling thread until every child
// has ended; call it from one thread at a time (it reaps only its own
// children, by pid). A child that cannot be started (fork/exec failure)
// reports exit_code 127, as a shell does. `on_finished` (optional) is called
// on the calling thread as each child ends, for progress lines.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace plateau::soak {

struct ChildSpec {
  std::vector<std::string> argv;   // argv[0] is the executable path
  std::filesystem::path log_file;  // stdout and stderr, truncated first
};

struct ChildResult {
  int exit_code = -1;   // -1 when killed by a signal
  int term_signal = 0;  // the signal that ended it, else 0
  double wall_seconds = 0;
};

std::vector<ChildResult> run_children(
    const std::vector<ChildSpec>& children, std::size_t max_parallel,
    const std::function<void(std::size_t index, const ChildResult&)>& on_finished = {});

// The running executable (/proc/self/exe), so children run the same build.
std::filesystem::path current_executable();

}  // namespace plateau::soak

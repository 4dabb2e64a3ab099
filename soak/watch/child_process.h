// ChildProcess: a process `plateau watch` launches (the target, or the load
// command) and must stop when the watch ends.
//
// The child runs in a process group of its own, so a Ctrl-C at the terminal
// reaches plateau only (which then writes its partial report) and plateau
// stops the child itself: SIGTERM to the group, then SIGKILL after a grace
// period. Its stdin is /dev/null (a background group reading the terminal
// would be stopped by SIGTTIN); its stdout and stderr both go to plateau's
// stderr (plateau's stdout is the report path only). poll() reaps it without blocking and records how it ended. If
// plateau dies without stopping it, the kernel kills the child
// (PR_SET_PDEATHSIG); its own children are not covered.
//
// Thread safety: one thread owns a ChildProcess. Invariant: a launched child
// is reaped (no zombie) by the time the object is destroyed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace plateau::soak::watch {

// How a process ended: exit status or signal.
struct ExitState {
  bool exited = false;  // normal exit with `status`
  int status = 0;
  bool signaled = false;  // killed by `signal`
  int signal = 0;
  bool stopped_by_us = false;    // plateau sent the signal that ended it
  double t_s = 0;                // seconds since the watch started
  std::string describe() const;  // "exited with status 3", "killed by SIGSEGV (signal 11)"
};

std::string signal_name(int signal);

class ChildProcess {
 public:
  // Forks and execs argv (PATH searched) with `extra_env` added to the
  // environment. Throws std::runtime_error when fork fails; an exec failure
  // shows as exit status 127 with the reason on stderr.
  static ChildProcess launch(const std::vector<std::string>& argv,
                             const std::map<std::string, std::string>& extra_env);
  // `sh -c command`.
  static ChildProcess shell(const std::string& command);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const noexcept { return pid_; }
  // Reaps without blocking; returns the end state once it has ended.
  const std::optional<ExitState>& poll(double now_t_s);
  const std::optional<ExitState>& state() const noexcept { return state_; }
  // SIGTERM to the group, waits up to `grace`, then SIGKILL; reaps.
  const ExitState& stop(double now_t_s, std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<ExitState> state_;
};

}  // namespace plateau::soak::watch

#include "soak/canaries/child_processes.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <stdexcept>

extern char** environ;

namespace plateau::soak {

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Running {
  std::size_t index;
  SteadyClock::time_point started;
};

// Starts one child with stdout and stderr redirected to its log file.
// Returns the pid, or -1 when it could not be started.
pid_t spawn(const ChildSpec& spec) {
  if (spec.argv.empty()) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, spec.log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const std::string& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

ChildResult result_of(int status, SteadyClock::time_point started) {
  ChildResult r;
  r.wall_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
  }
  return r;
}

// Blocks until some child has ended (without reaping it), so the loop below
// reaps only the pids it started.
void wait_for_any_child_exit() {
  siginfo_t info{};
  while (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == -1 && errno == EINTR) {
  }
}

}  // namespace

std::vector<ChildResult> run_children(
    const std::vector<ChildSpec>& children, std::size_t max_parallel,
    const std::function<void(std::size_t, const ChildResult&)>& on_finished) {
  if (max_parallel == 0) throw std::invalid_argument("run_children: max_parallel = 0: must be at least 1");
  std::vector<ChildResult> results(children.size());
  std::map<pid_t, Running> running;
  std::size_t next = 0;
  auto finish = [&](std::size_t index, const ChildResult& r) {
    results[index] = r;
    if (on_finished) on_finished(index, r);
  };
  while (next < children.size() || !running.empty()) {
    while (next < children.size() && running.size() < max_parallel) {
      const auto started = SteadyClock::now();
      const pid_t pid = spawn(children[next]);
      if (pid < 0) {
        ChildResult failed;
        failed.exit_code = 127;
        finish(next, failed);
      } else {
        running.emplace(pid, Running{next, started});
      }
      ++next;
    }
    if (running.empty()) continue;
    wait_for_any_child_exit();
    bool reaped = false;
    for (auto it = running.begin(); it != running.end();) {
      int status = 0;
      const pid_t done = waitpid(it->first, &status, WNOHANG);
      if (done == it->first) {
        finish(it->second.index, result_of(status, it->second.started));
        it = running.erase(it);
        reaped = true;
      } else {
        ++it;
      }
    }
    if (!reaped) {
      // Another part of the process owns the child that ended; let it reap.
      const timespec pause{0, 20'000'000};
      nanosleep(&pause, nullptr);
    }
  }
  return results;
}

std::filesystem::path current_executable() {
  std::error_code ec;
  std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot resolve /proc/self/exe: " + ec.message());
  return path;
}

}  // namespace plateau::soak

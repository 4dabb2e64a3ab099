#include "soak/watch/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace plateau::soak::watch {
namespace {

ExitState state_of(int wait_status, double t_s) {
  ExitState s;
  s.t_s = t_s;
  if (WIFEXITED(wait_status)) {
    s.exited = true;
    s.status = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    s.signaled = true;
    s.signal = WTERMSIG(wait_status);
  }
  return s;
}

}  // namespace

std::string signal_name(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::string ExitState::describe() const {
  if (exited) return "exited with status " + std::to_string(status);
  if (signaled) return "killed by " + signal_name(signal) + " (signal " + std::to_string(signal) + ")";
  return "ended";
}

ChildProcess ChildProcess::launch(const std::vector<std::string>& argv,
                                  const std::map<std::string, std::string>& extra_env) {
  if (argv.empty()) throw std::invalid_argument("launch: empty command");
  // Everything the child needs is built before fork (no allocation after it).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (extra_env.count(std::string(entry.substr(0, eq))) == 0) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string exec_error = "plateau watch: cannot run " + argv[0] + ": ";
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    // stdin is /dev/null: the child runs in a background process group, so
    // a read from the terminal would stop it (SIGTTIN) and a stopped
    // program looks flat; CI has no stdin anyway. A reader sees EOF.
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0 && null_fd != 0) {
      ::dup2(null_fd, 0);
      ::close(null_fd);
    }
    // stdout goes to plateau's stderr: plateau's stdout carries only the
    // report path (its last line), which a partial line of the child's,
    // cut off when it is stopped, would otherwise corrupt.
    ::dup2(2, 1);
    // If plateau itself dies (a second Ctrl-C, SIGKILL), do not outlive it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execvpe(args[0], args.data(), envp.data());
    const char* why = std::strerror(errno);
    (void)!::write(2, exec_error.data(), exec_error.size());
    (void)!::write(2, why, std::strlen(why));
    (void)!::write(2, "\n", 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists before any kill
  return ChildProcess(pid);
}

ChildProcess ChildProcess::shell(const std::string& command) {
  return launch({"/bin/sh", "-c", command}, {});
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), state_(std::move(other.state_)) {
  other.pid_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !state_) stop(0, std::chrono::milliseconds(500));
}

const std::optional<ExitState>& ChildProcess::poll(double now_t_s) {
  if (pid_ <= 0 || state_) return state_;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == pid_) state_ = state_of(status, now_t_s);
  return state_;
}

const ExitState& ChildProcess::stop(double now_t_s, std::chrono::milliseconds grace) {
  if (poll(now_t_s)) return *state_;
  ::kill(-pid_, SIGTERM);
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      state_ = state_of(status, now_t_s);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!state_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    state_ = state_of(status, now_t_s);
  }
  ::kill(-pid_, SIGKILL);  // whatever the group left behind (e.g. sh -c's children)
  state_->stopped_by_us = true;
  return *state_;
}

}  // namespace plateau::soak::watch

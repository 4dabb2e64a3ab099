#include "soak/runner/stop_signal.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <stdexcept>

namespace plateau::soak {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
std::atomic<int> g_count{0};
std::atomic<std::int64_t> g_first_ns{0};
std::atomic<std::int64_t> g_grace_ns{0};
std::atomic<bool> g_installed{false};
struct sigaction g_old_int;
struct sigaction g_old_term;

std::int64_t monotonic_ns() noexcept {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void say(const char* text) noexcept {
  std::size_t n = 0;
  while (text[n] != '\0') ++n;
  [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, text, n);
}

sigset_t stop_set() noexcept {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

extern "C" void on_stop_signal(int signal_number) {
  const int saved_errno = errno;
  g_count.fetch_add(1);
  if (g_stop.exchange(true)) {
    // A repeat. Within the grace it is the same request arriving twice
    // (timeout's group signal, Ctrl-C to the whole group): absorb it.
    if (monotonic_ns() - g_first_ns.load() <= g_grace_ns.load()) {
      errno = saved_errno;
      return;
    }
    // Later: the user insists; give the default behaviour back.
    say("plateau: second signal, stopping at once without a report\n");
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  g_first_ns.store(monotonic_ns());
  g_signal.store(signal_number);
  say(signal_number == SIGTERM ? "plateau: SIGTERM received, stopping and writing a partial report\n"
                               : "plateau: SIGINT received, stopping and writing a partial report\n");
  errno = saved_errno;
}

}  // namespace

void block_stop_signals() noexcept {
  const sigset_t set = stop_set();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void unblock_stop_signals() noexcept {
  const sigset_t set = stop_set();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

StopSignal::StopSignal(std::chrono::milliseconds grace) {
  if (g_installed.exchange(true)) throw std::logic_error("StopSignal: only one may be alive at a time");
  g_stop.store(false);
  g_signal.store(0);
  g_count.store(0);
  g_first_ns.store(0);
  g_grace_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(grace).count());
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  // While one stop signal is handled the other waits, so the first-signal
  // bookkeeping is never interleaved with a second handler on this thread.
  action.sa_mask = stop_set();
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
  // A signal held pending since block_stop_signals() is delivered now, to
  // the handler above.
  unblock_stop_signals();
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_installed.store(false);
}

const std::atomic<bool>& StopSignal::flag() const noexcept { return g_stop; }
int StopSignal::signal_number() const noexcept { return g_signal.load(); }
int StopSignal::signals_received() const noexcept { return g_count.load(); }

void StopSignal::request(int signal_number) noexcept {
  if (!g_stop.load()) g_first_ns.store(monotonic_ns());
  g_signal.store(signal_number);
  g_stop.store(true);
}

}  // namespace plateau::soak

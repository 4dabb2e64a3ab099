#include "soak/runner/stop_signal.h"

#include <csignal>
#include <stdexcept>

namespace plateau::soak {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};
struct sigaction g_old_int;
struct sigaction g_old_term;

extern "C" void on_stop_signal(int signal_number) {
  if (g_stop.exchange(true)) {
    // Second signal: give the user the default behaviour back.
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  g_signal.store(signal_number);
}

}  // namespace

StopSignal::StopSignal() {
  if (g_installed.exchange(true)) throw std::logic_error("StopSignal: only one may be alive at a time");
  g_stop.store(false);
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_installed.store(false);
}

const std::atomic<bool>& StopSignal::flag() const noexcept { return g_stop; }
int StopSignal::signal_number() const noexcept { return g_signal.load(); }

void StopSignal::request(int signal_number) noexcept {
  g_signal.store(signal_number);
  g_stop.store(true);
}

}  // namespace plateau::soak

// StopSignal: turns SIGINT/SIGTERM into a flag the soak loop polls.
//
// A soak run must stop at the next event when interrupted, write a partial
// report marked incomplete and exit 3, rather than die mid-write. While a
// StopSignal is alive, SIGINT and SIGTERM only set an atomic flag (and record
// which signal came); the destructor restores the previous handlers.
//
// Repeated signals: further signals within `grace` of the first are absorbed,
// because one stop request often arrives twice (GNU `timeout` signals the
// process and then its whole group; a shell's Ctrl-C reaches every process
// of the foreground group). A signal after the grace falls back to the
// default action, so a run stuck while writing can still be killed by a
// second Ctrl-C.
//
// Signals that came before the run: block_stop_signals() (called first thing
// in main) holds SIGINT/SIGTERM pending while the process starts up; the
// StopSignal constructor installs its handler and then unblocks them, so a
// signal sent during start-up is delivered to the handler and stops the run
// at its first event instead of being lost or killing the process
// half-initialised. Subcommands without a StopSignal call
// unblock_stop_signals(), which delivers a pending signal with its default
// action.
//
// Thread safety: one StopSignal per process at a time (it owns process-wide
// signal dispositions); flag() may be read from any thread. The handler only
// uses async-signal-safe calls (atomics, clock_gettime, write, raise).
#pragma once

#include <atomic>
#include <chrono>

namespace plateau::soak {

// How long repeated signals are absorbed after the first one.
inline constexpr std::chrono::milliseconds kDefaultStopGrace{3000};

// Blocks SIGINT and SIGTERM in the calling thread (call before any thread is
// started so every thread inherits the mask).
void block_stop_signals() noexcept;
// Unblocks them; a pending one is delivered at once.
void unblock_stop_signals() noexcept;

class StopSignal {
 public:
  explicit StopSignal(std::chrono::milliseconds grace = kDefaultStopGrace);
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  const std::atomic<bool>& flag() const noexcept;
  bool requested() const noexcept { return flag().load(std::memory_order_relaxed); }
  // The signal number received, 0 if none.
  int signal_number() const noexcept;
  // Signals received in total (the first included).
  int signals_received() const noexcept;
  // For tests and programmatic stops: behaves as if a signal arrived.
  void request(int signal_number) noexcept;
};

}  // namespace plateau::soak

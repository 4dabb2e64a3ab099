// StopSignal: turns SIGINT/SIGTERM into a flag the soak loop polls.
//
// A soak run must stop at the next event when interrupted, write a partial
// report marked incomplete and exit 3, rather than die mid-write. While a
// StopSignal is alive, SIGINT and SIGTERM only set an atomic flag (and record
// which signal came); the destructor restores the previous handlers. A second
// signal while the flag is already set falls back to the default action, so a
// stuck run can still be killed with a second Ctrl-C.
//
// Thread safety: one StopSignal per process at a time (it owns process-wide
// signal dispositions); flag() may be read from any thread.
#pragma once

#include <atomic>

namespace plateau::soak {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  const std::atomic<bool>& flag() const noexcept;
  bool requested() const noexcept { return flag().load(std::memory_order_relaxed); }
  // The signal number received, 0 if none.
  int signal_number() const noexcept;
  // For tests and programmatic stops: behaves as if a signal arrived.
  void request(int signal_number) noexcept;
};

}  // namespace plateau::soak

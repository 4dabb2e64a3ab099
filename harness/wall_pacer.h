// WallPacer: holds the driver back so virtual time advances with real time.
//
// In wall mode the harness runs the very same event sequence as in sim mode;
// before dispatching an event at virtual instant v it asks the pacer to wait
// until the wall clock reaches wall_start + (v - virtual_start). The wall
// clock and the sleep are injected so tests can pace without waiting. Waits
// are cut into short slices so a stop request (SIGINT) is seen within one
// slice. If the driver falls behind (events slower than real time), the pacer
// never sleeps and counts the lag instead.
//
// Thread safety: none; used by the driver thread only. `stop` may be set from
// any thread (it is an atomic the pacer only reads).
#pragma once

#include <atomic>
#include <functional>

#include "engine/core/clock.h"

namespace plateau::harness {

class WallPacer {
 public:
  using Sleep = std::function<void(engine::Duration)>;
  static constexpr engine::Duration kSlice = std::chrono::milliseconds(100);

  WallPacer(const engine::Clock& wall_clock, engine::TimePoint virtual_start, Sleep sleep,
            const std::atomic<bool>* stop = nullptr);

  // Returns false if a stop was requested while waiting.
  bool wait_until(engine::TimePoint virtual_at);

  // Largest amount by which the driver was behind real time at an event.
  engine::Duration max_lag() const noexcept { return max_lag_; }

  // A Sleep that really sleeps (std::this_thread::sleep_for).
  static Sleep real_sleep();

 private:
  const engine::Clock& wall_clock_;
  engine::TimePoint virtual_start_;
  engine::TimePoint wall_start_;
  Sleep sleep_;
  const std::atomic<bool>* stop_;
  engine::Duration max_lag_{};
};

}  // namespace plateau::harness

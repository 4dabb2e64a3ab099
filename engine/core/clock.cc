#include "engine/core/clock.h"

namespace plateau::engine {

TimePoint SystemClock::now() const noexcept {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

ManualClock::ManualClock(TimePoint start) noexcept : nanos_(start.time_since_epoch().count()) {}

TimePoint ManualClock::now() const noexcept {
  return TimePoint{Duration{nanos_.load(std::memory_order_acquire)}};
}

void ManualClock::set(TimePoint t) noexcept {
  nanos_.store(t.time_since_epoch().count(), std::memory_order_release);
}

void ManualClock::advance(Duration d) noexcept {
  nanos_.fetch_add(d.count(), std::memory_order_acq_rel);
}

}  // namespace plateau::engine

// Time for the engine: one injected Clock, never the system clock directly.
//
// Every component takes its notion of "now" from a Clock it is given, and does
// its periodic work in an explicit maintain(now) call, so the harness can run
// a day of load on a virtual clock in seconds and tests can step time exactly.
// TimePoint is nanoseconds since the Unix epoch; the virtual clock starts
// wherever the caller sets it.
//
// Thread safety: Clock::now() may be called from any thread. ManualClock's
// set/advance are atomic; callers that race set() against advance() get one of
// the two orders, never a torn value.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace plateau::engine {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::sys_time<Duration>;

// Seconds as a double, for statistics and reports.
constexpr double to_seconds(Duration d) noexcept {
  return std::chrono::duration<double>(d).count();
}
constexpr double to_seconds(TimePoint t) noexcept { return to_seconds(t.time_since_epoch()); }

// A Duration from (fractional) seconds, rounded to the nearest nanosecond.
constexpr Duration from_seconds(double s) noexcept {
  return std::chrono::round<Duration>(std::chrono::duration<double>(s));
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const noexcept = 0;
};

// Wall time from std::chrono::system_clock; used in wall mode.
class SystemClock final : public Clock {
 public:
  TimePoint now() const noexcept override;
};

// Virtual time that moves only when told to; used by tests and the harness.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) noexcept;
  TimePoint now() const noexcept override;
  void set(TimePoint t) noexcept;
  void advance(Duration d) noexcept;

 private:
  std::atomic<std::int64_t> nanos_;
};

}  // namespace plateau::engine

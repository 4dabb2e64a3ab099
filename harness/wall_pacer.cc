#include "harness/wall_pacer.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace plateau::harness {

WallPacer::WallPacer(const engine::Clock& wall_clock, engine::TimePoint virtual_start, Sleep sleep,
                     const std::atomic<bool>* stop)
    : wall_clock_(wall_clock),
      virtual_start_(virtual_start),
      wall_start_(wall_clock.now()),
      sleep_(std::move(sleep)),
      stop_(stop) {}

bool WallPacer::wait_until(engine::TimePoint virtual_at) {
  const engine::TimePoint due = wall_start_ + (virtual_at - virtual_start_);
  for (;;) {
    if (stop_ && stop_->load(std::memory_order_relaxed)) return false;
    const engine::TimePoint now = wall_clock_.now();
    if (now >= due) {
      max_lag_ = std::max(max_lag_, now - due);
      return true;
    }
    sleep_(std::min<engine::Duration>(due - now, kSlice));
  }
}

WallPacer::Sleep WallPacer::real_sleep() {
  return [](engine::Duration d) { std::this_thread::sleep_for(d); };
}

}  // namespace plateau::harness

// DelayedActions: follow-ups that generated events schedule for later
// (cancel this plan at t, deliver that order's fill at t, close that copy
// position at t).
//
// The driver runs every action due at or before an event's instant before
// dispatching the event, each at its own scheduled instant, so a follow-up
// behaves as if it were an event of its own. Actions at the same instant run
// in scheduling order, which keeps the whole sequence deterministic.
//
// Thread safety: none; the driver thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "engine/core/clock.h"

namespace plateau::harness {

class DelayedActions {
 public:
  using Action = std::function<void(engine::TimePoint at)>;

  void schedule(engine::TimePoint at, Action action) {
    queue_.push(Item{at, next_sequence_++, std::move(action)});
  }

  // Runs, in time order, every action due at or before `until`. An action may
  // schedule further actions; those due by `until` run in this call too.
  // Returns how many ran.
  std::size_t run_until(engine::TimePoint until, const std::function<void(engine::TimePoint)>& before_each) {
    std::size_t ran = 0;
    while (!queue_.empty() && queue_.top().at <= until) {
      Item item = std::move(const_cast<Item&>(queue_.top()));
      queue_.pop();
      if (before_each) before_each(item.at);
      item.action(item.at);
      ++ran;
    }
    return ran;
  }

  std::size_t size() const noexcept { return queue_.size(); }
  void clear() { queue_ = {}; }

 private:
  struct Item {
    engine::TimePoint at;
    std::uint64_t sequence;
    Action action;
    bool operator>(const Item& other) const noexcept {
      return at != other.at ? at > other.at : sequence > other.sequence;
    }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace plateau::harness

// CloseStorm: several real threads race to close the same positions at one
// virtual instant (seed 003 §1: two closers both closed, P&L booked twice).
//
// run_close_storm() starts `threads` threads, holds them at a latch so they
// start together, and has each call `close(target)` for every target, all in
// the same order, so every position sees all closers at once. It counts, per
// target, how many calls returned true. A correct engine closes every target
// exactly once; any target with more than one winner is a double close, which
// the harness publishes as an invariant series of its own (independent of the
// engine's own counters).
//
// Thread safety: `close` is called concurrently from all storm threads and
// must be thread-safe; run_close_storm itself is called from the driver thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace plateau::harness {

struct CloseStormResult {
  std::size_t targets = 0;
  std::size_t closed = 0;         // targets closed at least once
  std::size_t double_closes = 0;  // extra winners over all targets
  std::vector<int> winners;       // per target, in input order
};

CloseStormResult run_close_storm(const std::vector<std::string>& targets, int threads,
                                 const std::function<bool(const std::string&)>& close);

}  // namespace plateau::harness

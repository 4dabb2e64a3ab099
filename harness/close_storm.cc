#include "harness/close_storm.h"

#include <atomic>
#include <latch>
#include <memory>
#include <thread>

namespace plateau::harness {

CloseStormResult run_close_storm(const std::vector<std::string>& targets, int threads,
                                 const std::function<bool(const std::string&)>& close) {
  CloseStormResult result;
  result.targets = targets.size();
  result.winners.assign(targets.size(), 0);
  if (targets.empty() || threads <= 0) return result;

  auto wins = std::make_unique<std::atomic<int>[]>(targets.size());
  std::latch start(threads);
  std::vector<std::thread> closers;
  closers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    closers.emplace_back([&] {
      start.arrive_and_wait();
      for (std::size_t i = 0; i < targets.size(); ++i) {
        if (close(targets[i])) wins[i].fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& closer : closers) closer.join();

  for (std::size_t i = 0; i < targets.size(); ++i) {
    const int w = wins[i].load(std::memory_order_relaxed);
    result.winners[i] = w;
    if (w >= 1) ++result.closed;
    if (w > 1) result.double_closes += static_cast<std::size_t>(w - 1);
  }
  return result;
}

}  // namespace plateau::harness

#define BOOST_TEST_MODULE engine_executor_concurrency
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/executor/trade_executor.h"
#include "tests/engine/cache/recording_sinks.h"

using plateau::engine::CopySignal;
using plateau::engine::Failpoints;
using plateau::engine::Fixed;
using plateau::engine::PositionId;
using plateau::engine::Side;
using plateau::engine::TimePoint;
using plateau::engine::TradeExecutor;
using plateau::engine::TradeExecutorOptions;
using plateau::engine::testing::RecordingAuditSink;

BOOST_AUTO_TEST_SUITE(trade_executor_concurrency)

// Close storms: several threads race to close every position. Each closes
// exactly once, and no lock entry survives the storm.
BOOST_AUTO_TEST_CASE(racing_closers_close_each_position_once_and_release_its_lock) {
  Failpoints fp;
  TradeExecutor executor(TradeExecutorOptions{}, fp);
  const TimePoint now = TimePoint{} + std::chrono::hours(1000);
  constexpr int kRounds = 50;
  constexpr int kPositions = 100;
  constexpr int kThreads = 4;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<PositionId> ids;
    for (int i = 0; i < kPositions; ++i) {
      ids.push_back(executor.open_position(
          CopySignal{"tx", "whale", "SOL", Side::kSell, Fixed::from_int(1), Fixed::from_int(10), now}, now));
    }
    std::atomic<int> closes{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < kPositions; ++i) {
          const auto& id = ids[static_cast<std::size_t>((i + t * 7) % kPositions)];
          if (executor.close_position(id, now)) closes.fetch_add(1);
        }
      });
    }
    go.store(true);
    for (auto& thread : threads) thread.join();
    BOOST_REQUIRE_EQUAL(closes.load(), kPositions);
  }
  BOOST_TEST(executor.open_count() == 0u);
  RecordingAuditSink audit;
  executor.audit(audit);
  BOOST_TEST(audit.keys.empty());
}

BOOST_AUTO_TEST_SUITE_END()

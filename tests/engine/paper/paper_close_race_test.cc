#define BOOST_TEST_MODULE engine_paper_close_race
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/paper/paper_engine.h"
#include "engine/paper/paper_pnl.h"
#include "tests/engine/market/fake_price_source.h"
#include "tests/engine/market/recording_sinks.h"
#include "tests/engine/market/test_printers.h"

using namespace plateau::engine;
using namespace std::chrono_literals;
using plateau::engine::testing::FakePriceSource;
using plateau::engine::testing::RecordingAudit;

namespace {

const TimePoint kT0 = TimePoint{} + 1'000'000s;
constexpr int kThreads = 8;

PaperOptions roomy(std::size_t positions) {
  PaperOptions options;
  options.capital = Fixed::from_int(100'000'000);
  options.max_positions = positions;
  options.cooldown_after_opens = positions;
  options.closed_history_capacity = positions;
  return options;
}

struct RaceResult {
  std::size_t successful_closes = 0;
  PaperHealth health;
  std::vector<ClosedTrade> trades;
  std::size_t audit_residue = 0;
};

// Opens `count` positions, then has kThreads threads each try to close every
// one of them, all in the same order so they collide on each position.
RaceResult race_to_close(const Failpoints& failpoints, std::size_t count) {
  auto source = std::make_shared<FakePriceSource>("exchange");
  PriceProvider prices({source}, PriceProviderOptions{}, {});
  PaperEngine engine(roomy(count), prices, failpoints);
  std::vector<PositionId> ids;
  ids.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    OpenResult opened =
        engine.open_position("S" + std::to_string(i % 50), Side::kBuy,
                             PositionSize::notional(Fixed::from_int(1000)), kT0, Fixed::from_int(100));
    BOOST_REQUIRE_MESSAGE(opened, opened.reason);
    ids.push_back(*opened.id);
  }
  std::atomic<std::size_t> successes{0};
  std::latch start(kThreads);
  std::vector<std::thread> closers;
  for (int t = 0; t < kThreads; ++t) {
    closers.emplace_back([&, t] {
      start.arrive_and_wait();
      std::size_t mine = 0;
      for (const PositionId& id : ids) {
        CloseReason reason = t % 2 == 0 ? CloseReason::kManual : CloseReason::kTakeProfit;
        if (engine.close_position(id, reason, Fixed::from_int(101), kT0 + 1s)) ++mine;
      }
      successes.fetch_add(mine);
    });
  }
  for (auto& thread : closers) thread.join();

  RaceResult result;
  result.successful_closes = successes.load();
  result.health = engine.health();
  result.trades = engine.closed_trades();
  RecordingAudit audit;
  engine.audit(audit);
  for (const auto& [container, keys] : audit.keys) result.audit_residue += keys.size();
  return result;
}

}  // namespace

BOOST_AUTO_TEST_CASE(racing_closers_close_each_position_exactly_once) {
  Failpoints failpoints;
  constexpr std::size_t kPositions = 10'000;
  RaceResult r = race_to_close(failpoints, kPositions);
  BOOST_TEST(r.successful_closes == kPositions);
  BOOST_TEST(r.health.double_closes == 0u);
  BOOST_TEST(r.health.positions_closed == kPositions);
  // P&L booked once per position: the total is exactly kPositions times one.
  const Fixed one = net_pnl(Side::kBuy, Fixed::from_int(10), Fixed::from_int(100), Fixed::from_int(101),
                            PaperOptions{}.fee_rate);
  BOOST_TEST(r.health.realized_pnl == one * Fixed::from_int(kPositions));
  BOOST_TEST(r.health.open_notional == Fixed{});
  std::set<PositionId> booked;
  for (const ClosedTrade& t : r.trades) booked.insert(t.id);
  BOOST_TEST(r.trades.size() == kPositions);
  BOOST_TEST(booked.size() == kPositions);
  BOOST_TEST(r.audit_residue == 0u);  // closed positions are gone from every keyed container
}

BOOST_AUTO_TEST_CASE(nonatomic_close_failpoint_lets_racers_close_twice) {
  Failpoints failpoints;
  failpoints.set(Failpoint::kPaperNonatomicClose, true);
  // One race, no retries: with the failpoint on, the engine holds the
  // check-then-set window open until a racing closer has passed the check
  // too, so a single race must show the double close.
  constexpr std::size_t kPositions = 2'000;
  const RaceResult r = race_to_close(failpoints, kPositions);
  BOOST_TEST_MESSAGE("double closes " << r.health.double_closes << " of " << kPositions << " positions");
  BOOST_REQUIRE(r.health.double_closes > 0u);
  BOOST_TEST(r.successful_closes > kPositions);
  BOOST_TEST(r.health.positions_closed == r.successful_closes);
  // The extra bookings are visible in the money too.
  const Fixed one = net_pnl(Side::kBuy, Fixed::from_int(10), Fixed::from_int(100), Fixed::from_int(101),
                            PaperOptions{}.fee_rate);
  BOOST_TEST(r.health.realized_pnl > one * Fixed::from_int(kPositions));
}

// The monitor loop closing on take-profit races manual closers: still one
// close and one booking per position, and no position left unevaluated.
BOOST_AUTO_TEST_CASE(monitor_cycle_and_manual_closers_race_cleanly) {
  Failpoints failpoints;
  constexpr std::size_t kPositions = 2'000;
  auto source = std::make_shared<FakePriceSource>("exchange");
  source->answer(Fixed::from_int(200));  // far past every take-profit
  PriceProvider prices({source}, PriceProviderOptions{}, {});
  PaperEngine engine(roomy(kPositions), prices, failpoints);
  std::vector<PositionId> ids;
  for (std::size_t i = 0; i < kPositions; ++i) {
    ids.push_back(*engine
                       .open_position("S" + std::to_string(i % 50), Side::kBuy,
                                      PositionSize::notional(Fixed::from_int(1000)), kT0,
                                      Fixed::from_int(100))
                       .id);
  }
  std::atomic<std::size_t> manual{0};
  std::atomic<std::size_t> by_monitor{0};
  std::latch start(5);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (std::size_t i = t; i < ids.size(); i += 2) {  // two threads per position
        if (engine.close_position(ids[i], CloseReason::kManual, Fixed::from_int(150), kT0 + 1s)) {
          manual.fetch_add(1);
        }
      }
    });
  }
  threads.emplace_back([&] {
    start.arrive_and_wait();
    for (int cycle = 0; cycle < 100 && engine.open_count() > 0; ++cycle) {
      by_monitor.fetch_add(engine.monitor_cycle(kT0 + 2s + cycle * 1s).closed);
    }
  });
  for (auto& thread : threads) thread.join();

  PaperHealth health = engine.health();
  BOOST_TEST(manual.load() + by_monitor.load() == kPositions);
  BOOST_TEST(health.positions_closed == kPositions);
  BOOST_TEST(health.take_profits == by_monitor.load());
  BOOST_TEST(health.double_closes == 0u);
  BOOST_TEST(health.skipped_cycles == 0u);
  BOOST_TEST(health.evaluation_errors == 0u);
  BOOST_TEST(engine.open_count() == 0u);
  RecordingAudit audit;
  engine.audit(audit);
  BOOST_TEST(audit.keys.empty());
}

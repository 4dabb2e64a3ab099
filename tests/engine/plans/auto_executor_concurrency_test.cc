#define BOOST_TEST_MODULE engine_plans_concurrency
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/plans/auto_executor.h"
#include "tests/engine/plans/plans_test_support.h"

using namespace plateau::engine;
using namespace plateau::engine::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(plans_added_and_cancelled_from_many_threads_while_cycles_run_are_settled_exactly_once) {
  TempDir dir;
  PlanStoreOptions store_options;
  store_options.path = dir.file("plans.db");
  store_options.busy_timeout = 200ms;
  store_options.durable_sync = false;
  PlanStore store(store_options);
  FakeMarket market;
  FakeSink sink;
  Failpoints failpoints;
  AutoExecutorOptions options;
  options.cleanup_interval = 10min;
  // The monitor advances one virtual minute per cycle for as long as the
  // writers run, so a slow machine runs more than a day of cycles: with the
  // production 24 h retention, pruning then removed terminal plans from the
  // store and the count below came up short (309 of 360 in a loaded CI).
  // Pruning is tested elsewhere; here every plan must stay countable.
  options.history_retention = std::chrono::hours(24 * 365);
  AutoExecutor executor(store, market, sink, failpoints, options);

  const std::vector<Symbol> symbols{"BTC", "ETH", "SOL", "ADA"};
  for (const Symbol& symbol : symbols) market.set_price(symbol, money("100"));
  const TimePoint start = at_seconds(1'700'000'000);
  std::atomic<std::int64_t> minutes{0};  // virtual time, advanced by the monitor
  auto now = [&] { return start + std::chrono::minutes(minutes.load()); };

  constexpr int kWriters = 3;
  constexpr int kPlansPerWriter = 120;
  std::atomic<int> writers_done{0};
  std::vector<std::vector<PlanId>> cancelled_by(kWriters);  // ids whose cancel returned kCancelled

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 random(static_cast<unsigned>(w + 1));
      std::vector<PlanId> mine;
      for (int i = 0; i < kPlansPerWriter; ++i) {
        const PlanId id = "w" + std::to_string(w) + "-" + std::to_string(i);
        const Symbol& symbol = symbols[random() % symbols.size()];
        // Levels around the walking prices: some trigger soon, some never.
        const Fixed level = Fixed::from_int(95 + static_cast<std::int64_t>(random() % 11));
        const auto ttl = std::chrono::minutes(5 + random() % 30);
        executor.add_plan(
            make_plan(id, symbol, level, now(), ttl, 2,
                      random() % 2 ? TriggerKind::kPriceAtOrAbove : TriggerKind::kPriceAtOrBelow));
        mine.push_back(id);
        if (random() % 3 == 0) {
          const PlanId& victim = mine[random() % mine.size()];
          if (executor.cancel_plan(victim) == CancelResult::kCancelled) cancelled_by[w].push_back(victim);
        }
        if (i % 16 == 0) std::this_thread::yield();
      }
      writers_done.fetch_add(1);
    });
  }

  std::thread monitor([&] {
    std::mt19937 random(99);
    sink.script({FakeSink::Result::kFail, FakeSink::Result::kThrow});
    int cycle = 0;
    while (writers_done.load() < kWriters || cycle < 50) {
      for (const Symbol& symbol : symbols) {
        market.set_price(symbol, Fixed::from_int(95 + static_cast<std::int64_t>(random() % 11)));
      }
      if (cycle % 7 == 3) sink.script({FakeSink::Result::kFail});
      executor.monitor(now());
      executor.maintain(now());
      if (cycle % 20 == 10) executor.reload_from_store(now());
      minutes.fetch_add(1);
      ++cycle;
    }
  });

  for (auto& writer : writers) writer.join();
  monitor.join();

  const AutoExecutorStats stats = executor.stats();
  BOOST_TEST_MESSAGE("cycles " << stats.cycles << ", executed " << stats.executed << ", failed "
                               << stats.failed << ", expired " << stats.expired << ", cancelled "
                               << stats.cancelled << ", still active " << stats.active_plans
                               << ", failed attempts " << stats.execution_failures);
  BOOST_TEST(stats.acted_on_removed_plan == 0u);
  BOOST_TEST(stats.store_errors == 0u);
  BOOST_TEST(stats.dropped_on_reload == 0u);

  // Every plan ended exactly one way: executed, failed, expired, cancelled or
  // still active.
  std::size_t cancelled = 0;
  std::set<PlanId> cancelled_ids;
  for (const auto& per_writer : cancelled_by) {
    cancelled += per_writer.size();
    cancelled_ids.insert(per_writer.begin(), per_writer.end());
  }
  BOOST_TEST(cancelled_ids.size() == cancelled);  // a plan is cancelled at most once
  BOOST_TEST(stats.cancelled == cancelled);
  const std::size_t total = kWriters * kPlansPerWriter;
  BOOST_TEST(stats.executed + stats.failed + stats.expired + stats.cancelled + stats.active_plans == total);

  // No plan traded twice, and no cancelled plan traded at all.
  const auto successes = sink.successes();
  const std::set<PlanId> traded(successes.begin(), successes.end());
  BOOST_TEST(traded.size() == successes.size());
  BOOST_TEST(traded.size() == stats.executed);
  for (const PlanId& id : cancelled_ids) BOOST_TEST(!traded.contains(id), id << " traded after its cancel");

  // Memory and the store agree on what is active, and nothing is kept for a
  // plan that is gone.
  std::set<PlanId> in_memory;
  for (const Plan& plan : executor.active_plans()) in_memory.insert(plan.id);
  std::set<PlanId> in_store;
  for (const Plan& plan : store.load_active()) in_store.insert(plan.id);
  BOOST_TEST(in_memory == in_store);
  BOOST_TEST(store.count() == total);
  const AuditRecorder audit = audit_of(executor);
  const auto plan_keys = [&](const char* container) {
    std::size_t held = 0;
    for (const PlanId& id : in_memory) held += audit.holds(container, id) ? 1 : 0;
    return held;
  };
  const auto inventory = inventory_of(executor);
  BOOST_TEST(inventory.container_named("execution_locks").entries == plan_keys("execution_locks"));
  BOOST_TEST(inventory.container_named("executing_plans").entries == 0u);
  BOOST_TEST(stats.executed > 0u);
  BOOST_TEST(stats.cancelled > 0u);
}

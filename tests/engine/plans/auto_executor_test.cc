#define BOOST_TEST_MODULE engine_plans_auto_executor
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "engine/core/failpoints.h"
#include "engine/plans/auto_executor.h"
#include "tests/engine/plans/plans_test_support.h"

using namespace plateau::engine;
using namespace plateau::engine::testing;
using namespace std::chrono_literals;
using Result = FakeSink::Result;

namespace {

AutoExecutorOptions test_options() {
  AutoExecutorOptions options;
  options.cleanup_interval = 1h;
  options.m1_refresh_interval = 60s;
  options.confidence_history_length = 8;
  options.invalid_symbol_retry_interval = 5min;
  return options;
}

// One executor over a fresh store in a temporary directory, with fakes.
struct Rig {
  explicit Rig(AutoExecutorOptions options = test_options()) : options_used(options) {
    PlanStoreOptions store_options;
    store_options.path = dir.file("plans.db");
    store_options.busy_timeout = 200ms;
    store_options.durable_sync = false;
    store = std::make_unique<PlanStore>(store_options);
    executor = std::make_unique<AutoExecutor>(*store, market, sink, failpoints, options);
  }

  TempDir dir;
  AutoExecutorOptions options_used;
  std::unique_ptr<PlanStore> store;
  FakeMarket market;
  FakeSink sink;
  Failpoints failpoints;
  std::unique_ptr<AutoExecutor> executor;
};

const TimePoint kStart = at_seconds(1'700'000'000);

enum class ExitPath { kExpired, kExecuted, kFailedAfterMaxRetries, kCancelled, kDroppedOnReload };

// Takes plan "p1" on BTC through one failed execution attempt (so it owns an
// execution lock, an M1 cache, a last-signal time and confidence samples),
// then out through `path`, then past the grace period (one cleanup interval
// and the maintain() that follows). Returns what the audit finds right after
// the exit and after the grace period.
struct ExitAudits {
  AuditRecorder at_exit;
  AuditRecorder after_grace;
  PlanStatus stored_status = PlanStatus::kActive;
};

ExitAudits audit_after_exit(ExitPath path, bool leak_execution_locks) {
  Rig rig;
  rig.failpoints.set(Failpoint::kPlansLeakExecutionLocks, leak_execution_locks);
  auto& executor = *rig.executor;
  executor.maintain(kStart);
  executor.add_plan(make_plan("p1", "BTC", money("100"), kStart, 2h, 2));
  rig.market.set_price("BTC", money("101"));
  rig.sink.script({Result::kFail});
  executor.monitor(kStart + 1min);
  BOOST_REQUIRE(executor.find("p1"));
  BOOST_REQUIRE(executor.find("p1")->retry_count == 1);
  BOOST_REQUIRE(audit_of(executor).holds("execution_locks", "p1"));
  BOOST_REQUIRE(audit_of(executor).holds("m1_cache", "BTC"));

  TimePoint exit_time = kStart + 2min;
  switch (path) {
    case ExitPath::kExpired:
      rig.market.set_price("BTC", money("99"));
      exit_time = kStart + 2h;
      executor.monitor(exit_time);
      break;
    case ExitPath::kExecuted:
      executor.monitor(exit_time);
      break;
    case ExitPath::kFailedAfterMaxRetries:
      rig.sink.script({Result::kThrow});
      executor.monitor(exit_time);
      break;
    case ExitPath::kCancelled:
      BOOST_REQUIRE((executor.cancel_plan("p1") == CancelResult::kCancelled));
      break;
    case ExitPath::kDroppedOnReload:
      BOOST_REQUIRE(rig.store->remove("p1"));
      BOOST_REQUIRE(executor.reload_from_store(exit_time).dropped == 1u);
      break;
  }
  BOOST_REQUIRE(!executor.find("p1"));
  ExitAudits audits;
  audits.at_exit = audit_of(executor);
  executor.maintain(exit_time + rig.options_used.cleanup_interval);
  audits.after_grace = audit_of(executor);
  auto stored = rig.store->find("p1");
  audits.stored_status = stored ? stored->status : PlanStatus::kActive;
  return audits;
}

void check_exit_path(ExitPath path, PlanStatus expected_status) {
  {
    const ExitAudits audits = audit_after_exit(path, false);
    // release_plan_resources already dropped everything; the cleanup is the
    // safety net, and after the grace period nothing may be left.
    BOOST_TEST(audits.at_exit.holding("p1", EntityKind::kPlan).empty());
    BOOST_TEST(audits.at_exit.holding("BTC", EntityKind::kSymbol).empty());
    BOOST_TEST(audits.after_grace.holding("p1", EntityKind::kPlan).empty());
    BOOST_TEST(audits.after_grace.holding("BTC", EntityKind::kSymbol).empty());
    if (path != ExitPath::kDroppedOnReload) BOOST_TEST((audits.stored_status == expected_status));
  }
  {
    const ExitAudits audits = audit_after_exit(path, true);
    BOOST_TEST(audits.after_grace.holding("p1", EntityKind::kPlan) ==
               std::vector<std::string>{"execution_locks"});
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(exit_paths_release_everything)

BOOST_AUTO_TEST_CASE(expired) { check_exit_path(ExitPath::kExpired, PlanStatus::kExpired); }
BOOST_AUTO_TEST_CASE(executed) { check_exit_path(ExitPath::kExecuted, PlanStatus::kExecuted); }
BOOST_AUTO_TEST_CASE(failed_after_max_retries) {
  check_exit_path(ExitPath::kFailedAfterMaxRetries, PlanStatus::kFailed);
}
BOOST_AUTO_TEST_CASE(cancelled) { check_exit_path(ExitPath::kCancelled, PlanStatus::kCancelled); }
BOOST_AUTO_TEST_CASE(dropped_on_reload) { check_exit_path(ExitPath::kDroppedOnReload, PlanStatus::kActive); }

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(execution)

BOOST_AUTO_TEST_CASE(a_met_trigger_executes_once_and_every_status_reaches_the_store) {
  Rig rig;
  auto& executor = *rig.executor;
  executor.add_plan(make_plan("long", "ETH", money("2000"), kStart));
  executor.add_plan(make_plan("short", "ETH", money("1500"), kStart, 2h, 3, TriggerKind::kPriceAtOrBelow));
  rig.market.set_price("ETH", money("1999.99"));
  executor.monitor(kStart + 1min);
  BOOST_TEST(rig.sink.calls().empty());

  rig.market.set_price("ETH", money("2000"));
  executor.monitor(kStart + 2min);
  executor.monitor(kStart + 3min);
  BOOST_TEST(rig.sink.calls() == std::vector<PlanId>{"long"});
  BOOST_TEST((rig.store->find("long")->status == PlanStatus::kExecuted));
  BOOST_TEST((rig.store->find("short")->status == PlanStatus::kActive));
  BOOST_TEST(executor.stats().executed == 1u);
  BOOST_TEST(executor.stats().active_plans == 1u);
}

BOOST_AUTO_TEST_CASE(failures_are_retried_and_counted_in_the_store_until_max_retries) {
  Rig rig;
  auto& executor = *rig.executor;
  executor.add_plan(make_plan("p1", "SOL", money("10"), kStart, 2h, 3));
  rig.market.set_price("SOL", money("11"));
  rig.sink.script({Result::kFail, Result::kThrow, Result::kFail});
  executor.monitor(kStart + 1min);
  BOOST_TEST(rig.store->find("p1")->retry_count == 1);
  BOOST_TEST((rig.store->find("p1")->status == PlanStatus::kActive));
  executor.monitor(kStart + 2min);
  BOOST_TEST(executor.find("p1")->retry_count == 2);
  executor.monitor(kStart + 3min);
  BOOST_TEST(!executor.find("p1"));
  BOOST_TEST((rig.store->find("p1")->status == PlanStatus::kFailed));
  BOOST_TEST(rig.store->find("p1")->retry_count == 3);
  BOOST_TEST(executor.stats().failed == 1u);
  BOOST_TEST(executor.stats().execution_failures == 3u);
  BOOST_TEST(rig.sink.calls().size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_cancel_during_the_trade_is_refused_and_the_trade_settles) {
  Rig rig;
  auto& executor = *rig.executor;
  executor.add_plan(make_plan("p1", "SOL", money("10"), kStart));
  rig.market.set_price("SOL", money("10"));
  CancelResult during = CancelResult::kNotFound;
  rig.sink.on_execute([&](const Plan& plan) { during = executor.cancel_plan(plan.id); });
  executor.monitor(kStart + 1min);
  BOOST_TEST((during == CancelResult::kExecuting));
  BOOST_TEST((rig.store->find("p1")->status == PlanStatus::kExecuted));
  BOOST_TEST((executor.cancel_plan("p1") == CancelResult::kNotFound));
}

BOOST_AUTO_TEST_CASE(bad_plans_are_refused_naming_the_field) {
  Rig rig;
  Plan plan = make_plan("p1", "SOL", money("10"), kStart);
  plan.quantity = Fixed{};
  try {
    rig.executor->add_plan(plan);
    BOOST_FAIL("a zero quantity was accepted");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()).find("'quantity' = '0'") != std::string::npos, error.what());
  }
  rig.executor->add_plan(make_plan("p1", "SOL", money("10"), kStart));
  BOOST_CHECK_THROW(rig.executor->add_plan(make_plan("p1", "SOL", money("10"), kStart)),
                    std::invalid_argument);
  BOOST_TEST(rig.store->count() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(restart)

BOOST_AUTO_TEST_CASE(a_fresh_executor_on_the_same_store_has_exactly_the_committed_active_plans) {
  Rig rig;
  auto& executor = *rig.executor;
  for (int i = 0; i < 6; ++i) {
    executor.add_plan(make_plan("p" + std::to_string(i), "SYM" + std::to_string(i % 2), money("50"), kStart));
  }
  BOOST_REQUIRE((executor.cancel_plan("p0") == CancelResult::kCancelled));
  rig.market.set_price("SYM1", money("60"));
  rig.market.set_price("SYM0", money("40"));
  rig.sink.script({Result::kSucceed, Result::kFail});  // SYM1: p1 executes, p3 fails once, p5 executes
  executor.monitor(kStart + 1min);
  BOOST_REQUIRE(rig.sink.successes() == (std::vector<PlanId>{"p1", "p5"}));

  AutoExecutor fresh(*rig.store, rig.market, rig.sink, rig.failpoints, test_options());
  const ReloadResult first = fresh.reload_from_store(kStart + 2min);
  BOOST_TEST(first.added == 3u);
  const ReloadResult again = fresh.reload_from_store(kStart + 3min);
  BOOST_TEST(again.added == 0u);
  BOOST_TEST(again.dropped == 0u);
  std::vector<PlanId> ids;
  for (const Plan& plan : fresh.active_plans()) ids.push_back(plan.id);
  BOOST_TEST(ids == (std::vector<PlanId>{"p2", "p3", "p4"}));
  BOOST_TEST(fresh.find("p3")->retry_count == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failpoints_put_the_seed_bugs_back)

BOOST_AUTO_TEST_CASE(the_cleanup_prunes_plan_history_past_its_retention) {
  AutoExecutorOptions options = test_options();
  options.history_retention = 6h;
  Rig rig(options);
  AutoExecutor& executor = *rig.executor;
  executor.add_plan(make_plan("done", "SOL", money("10"), kStart, 30min));
  BOOST_REQUIRE((executor.cancel_plan("done") == CancelResult::kCancelled));
  executor.add_plan(make_plan("live", "SOL", money("10"), kStart, 30min));
  executor.maintain(kStart + 1h);
  BOOST_TEST(rig.store->count() == 2u);  // the history is kept for 6h past expiry
  executor.maintain(kStart + 7h);
  BOOST_TEST(rig.store->count() == 1u);  // the cancelled plan is gone; the active one stays
  BOOST_TEST(rig.store->find("live").has_value());
  BOOST_TEST(executor.stats().history_pruned == 1u);
}

BOOST_AUTO_TEST_CASE(invalid_symbols_are_cleared_on_execution_and_cleanup_unless_leaking) {
  for (const bool leak : {false, true}) {
    BOOST_TEST_CONTEXT("plans.leak_invalid_symbols " << (leak ? "on" : "off")) {
      Rig rig;
      rig.failpoints.set(Failpoint::kPlansLeakInvalidSymbols, leak);
      auto& executor = *rig.executor;
      executor.maintain(kStart);
      executor.add_plan(make_plan("a", "NEW", money("5"), kStart));
      executor.add_plan(make_plan("b", "GONE", money("5"), kStart, 30min));
      executor.monitor(kStart + 1min);  // neither symbol has a price yet
      BOOST_TEST(audit_of(executor).holds("invalid_symbols", "NEW"));
      BOOST_TEST(audit_of(executor).holds("invalid_symbols", "GONE"));
      BOOST_TEST(executor.stats().price_failures == 2u);

      // NEW starts trading: after the retry interval it is asked again and
      // its plan executes.
      rig.market.set_price("NEW", money("6"));
      executor.monitor(kStart + 2min);
      BOOST_TEST(rig.sink.calls().empty());  // not asked again before the retry interval
      executor.monitor(kStart + 7min);
      BOOST_TEST(rig.sink.calls() == std::vector<PlanId>{"a"});
      BOOST_TEST(audit_of(executor).holds("invalid_symbols", "NEW") == leak);

      // GONE's plan expires; the hourly cleanup forgets the symbol.
      executor.monitor(kStart + 31min);
      BOOST_TEST(executor.stats().expired == 1u);
      executor.maintain(kStart + 1h);
      BOOST_TEST(audit_of(executor).holds("invalid_symbols", "GONE") == leak);
      BOOST_TEST(inventory_of(executor).container_named("invalid_symbols").entries == (leak ? 2u : 0u));
    }
  }
}

BOOST_AUTO_TEST_CASE(m1_cache_is_kept_only_for_symbols_with_active_plans_unless_leaking) {
  for (const bool leak : {false, true}) {
    BOOST_TEST_CONTEXT("plans.leak_m1_cache " << (leak ? "on" : "off")) {
      Rig rig;
      rig.failpoints.set(Failpoint::kPlansLeakM1Cache, leak);
      auto& executor = *rig.executor;
      executor.maintain(kStart);
      executor.add_plan(make_plan("a", "ADA", money("1"), kStart));
      executor.add_plan(make_plan("b", "ADA", money("3"), kStart));
      rig.market.set_price("ADA", money("2"));
      executor.monitor(kStart + 1min);  // a executes; b still watches ADA
      BOOST_TEST(rig.sink.calls() == std::vector<PlanId>{"a"});
      for (const char* container : {"m1_cache", "m1_cache_timestamps", "last_signal_times"}) {
        BOOST_TEST(audit_of(executor).holds(container, "ADA"), container << " dropped while ADA is in use");
      }
      executor.monitor(kStart + 1min + 30s);
      BOOST_TEST(rig.market.candle_requests() == 1);  // cached for m1_refresh_interval

      BOOST_REQUIRE((executor.cancel_plan("b") == CancelResult::kCancelled));
      executor.maintain(kStart + 2h);
      const AuditRecorder audit = audit_of(executor);
      for (const char* container : {"m1_cache", "m1_cache_timestamps", "last_signal_times"}) {
        BOOST_TEST(audit.holds(container, "ADA") == leak, container);
      }
      BOOST_TEST(inventory_of(executor).container_named("m1_cache").entries == (leak ? 1u : 0u));
    }
  }
}

BOOST_AUTO_TEST_CASE(confidence_history_is_trimmed_and_dropped_unless_leaking) {
  for (const bool leak : {false, true}) {
    BOOST_TEST_CONTEXT("plans.leak_confidence_history " << (leak ? "on" : "off")) {
      Rig rig;
      rig.failpoints.set(Failpoint::kPlansLeakConfidenceHistory, leak);
      auto& executor = *rig.executor;
      executor.add_plan(make_plan("a", "DOT", money("100"), kStart, 48h));
      rig.market.set_price("DOT", money("50"));
      constexpr int kCycles = 100;
      for (int i = 1; i <= kCycles; ++i) executor.monitor(kStart + i * 1min);
      const auto longest = inventory_of(executor).container_named("confidence_history_longest");
      BOOST_TEST(longest.entries == (leak ? std::size_t{kCycles} : rig.options_used.confidence_history_length));
      // The promise the verdict checks every sample against: a leak passes it.
      BOOST_TEST((longest.bound == std::optional{rig.options_used.confidence_history_length}));

      BOOST_REQUIRE((executor.cancel_plan("a") == CancelResult::kCancelled));
      executor.maintain(kStart + 3h);
      BOOST_TEST(audit_of(executor).holds("confidence_history", "DOT") == leak);
    }
  }
}

BOOST_AUTO_TEST_CASE(
    a_plan_cancelled_between_snapshot_and_check_is_not_acted_on_unless_skipping_the_recheck) {
  for (const bool skip : {false, true}) {
    BOOST_TEST_CONTEXT("plans.skip_recheck " << (skip ? "on" : "off")) {
      Rig rig;
      rig.failpoints.set(Failpoint::kPlansSkipRecheck, skip);
      auto& executor = *rig.executor;
      executor.add_plan(make_plan("p1", "XRP", money("1"), kStart));
      rig.market.set_price("XRP", money("2"));

      const CycleSnapshot snapshot = executor.begin_cycle(kStart + 1min);
      BOOST_REQUIRE(snapshot.plans.size() == 1u);
      BOOST_REQUIRE((executor.cancel_plan("p1") == CancelResult::kCancelled));
      executor.finish_cycle(snapshot, kStart + 1min);

      BOOST_TEST(rig.sink.calls().size() == (skip ? 1u : 0u));
      BOOST_TEST(executor.stats().acted_on_removed_plan == (skip ? 1u : 0u));
      const auto invariant = inventory_of(executor).counter_named("acted_on_removed_plan");
      BOOST_TEST((invariant.kind == CounterKind::kInvariant));
      BOOST_TEST(invariant.value == (skip ? 1u : 0u));
      if (!skip) BOOST_TEST((rig.store->find("p1")->status == PlanStatus::kCancelled));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(inspection)

BOOST_AUTO_TEST_CASE(inventory_reports_every_container_and_counter) {
  Rig rig;
  auto& executor = *rig.executor;
  executor.add_plan(make_plan("p1", "BTC", money("100"), kStart));
  rig.market.set_price("BTC", money("101"));
  rig.sink.script({Result::kFail});
  executor.monitor(kStart + 1min);
  const InventoryRecorder inventory = inventory_of(executor);
  for (const char* name :
       {"active_plans", "execution_locks", "executing_plans", "invalid_symbols", "m1_cache",
        "m1_cache_timestamps", "last_signal_times", "confidence_history", "confidence_history_longest"}) {
    BOOST_TEST(inventory.containers().contains(name), name);
  }
  BOOST_TEST(inventory.container_named("active_plans").entries == 1u);
  BOOST_TEST(inventory.container_named("execution_locks").entries == 1u);
  BOOST_TEST(inventory.container_named("m1_cache").approx_bytes >= 5 * sizeof(M1Candle));
  BOOST_TEST(inventory.counter_named("cycles").value == 1u);
  BOOST_TEST(inventory.counter_named("execution_failures").value == 1u);
  BOOST_TEST(inventory.counter_named("store_retries").value == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE engine_executor
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/executor/trade_executor.h"
#include "tests/engine/cache/recording_sinks.h"

using namespace std::chrono_literals;
using plateau::engine::CopySignal;
using plateau::engine::EntityKind;
using plateau::engine::Failpoint;
using plateau::engine::Failpoints;
using plateau::engine::Fixed;
using plateau::engine::PositionId;
using plateau::engine::Side;
using plateau::engine::TimePoint;
using plateau::engine::TradeExecutor;
using plateau::engine::TradeExecutorOptions;
using plateau::engine::testing::RecordingAuditSink;
using plateau::engine::testing::RecordingInventorySink;

namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(24 * 365 * 50);

CopySignal signal(const std::string& tx = "0x1") {
  return CopySignal{tx, "whale", "SOL", Side::kBuy, *Fixed::parse("1.5"), *Fixed::parse("100"), kStart};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trade_executor)

BOOST_AUTO_TEST_CASE(opens_and_closes_a_position_once) {
  Failpoints fp;
  TradeExecutor executor(TradeExecutorOptions{}, fp);
  const PositionId id = executor.open_position(signal(), kStart);
  BOOST_TEST(id == "pos-1");
  BOOST_TEST(executor.open_count() == 1u);
  BOOST_TEST(executor.position(id)->symbol == "SOL");
  BOOST_TEST(executor.close_position(id, kStart + 1s));
  BOOST_TEST(!executor.close_position(id, kStart + 2s));
  BOOST_TEST(!executor.close_position("pos-unknown", kStart + 2s));
  BOOST_TEST(executor.open_count() == 0u);
  BOOST_TEST(!executor.position(id).has_value());
  auto bad = signal();
  bad.quantity = Fixed{};
  BOOST_CHECK_THROW(executor.open_position(bad, kStart), std::invalid_argument);
}

// Seed 002 §2 and its canary: after close plus a grace period shorter than
// the lock TTL, the audit finds no position_locks entry for the closed
// position; with executor.leak_position_locks it finds every one.
BOOST_AUTO_TEST_CASE(closed_positions_leave_no_lock_residue_unless_failpoint) {
  for (const bool failpoint_on : {false, true}) {
    BOOST_TEST_CONTEXT("failpoint " << failpoint_on) {
      Failpoints fp;
      fp.set(Failpoint::kExecutorLeakPositionLocks, failpoint_on);
      TradeExecutor executor(TradeExecutorOptions{}, fp);
      std::vector<PositionId> closed;
      TimePoint now = kStart;
      for (int i = 0; i < 1'200; ++i) {
        now += 1s;
        const PositionId id = executor.open_position(signal("0x" + std::to_string(i)), now);
        if (i % 2 == 0) {
          BOOST_REQUIRE(executor.close_position(id, now + 500ms));
          closed.push_back(id);
        }
        executor.maintain(now);
      }
      now += 2min;  // grace: two sweep intervals
      executor.maintain(now);
      RecordingAuditSink audit;
      executor.audit(audit);
      std::size_t residue = 0;
      for (const auto& id : closed) residue += audit.holds("position_locks", id) ? 1 : 0;
      // Residue only counts ids closed before the grace started; with the
      // failpoint the locks of the last ~30 minutes of closes are still held.
      BOOST_TEST((residue > 0) == failpoint_on);
      BOOST_TEST(audit.holds("position_locks", closed.back()) == failpoint_on);
      BOOST_TEST(!audit.holds("positions", closed.back()));
      BOOST_TEST(audit.holds("positions", "pos-1200"));  // the last one is still open
      for (const auto& key : audit.keys) BOOST_TEST((key.kind == EntityKind::kPosition));
    }
  }
}

BOOST_AUTO_TEST_CASE(lock_ttl_is_capped_unless_uncapped_ttl_failpoint) {
  for (const bool failpoint_on : {false, true}) {
    BOOST_TEST_CONTEXT("failpoint " << failpoint_on) {
      Failpoints fp;
      fp.set(Failpoint::kCacheUncappedTtl, failpoint_on);
      TradeExecutor executor(TradeExecutorOptions{}, fp);
      const PositionId id = executor.open_position(signal(), kStart);
      TimePoint now = kStart;
      for (int i = 0; i < 40; ++i) {
        now += 1min;
        executor.maintain(now);
      }
      RecordingAuditSink audit;
      executor.audit(audit);
      std::size_t lock_older_than_max_age = 0;
      for (const auto& key : audit.older_than_max_age(now)) {
        lock_older_than_max_age += key.container == "position_locks" ? 1 : 0;
      }
      BOOST_TEST(lock_older_than_max_age == (failpoint_on ? 1u : 0u));
      BOOST_TEST(executor.close_position(id, now));  // an expired lock is recreated for the close
      RecordingAuditSink after;
      executor.audit(after);
      BOOST_TEST(after.keys.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(inventory_reports_positions_and_bounded_locks) {
  Failpoints fp;
  TradeExecutor executor(TradeExecutorOptions{}, fp);
  executor.open_position(signal("a"), kStart);
  const PositionId b = executor.open_position(signal("b"), kStart);
  executor.close_position(b, kStart);
  RecordingInventorySink inventory;
  executor.inventory(inventory);
  BOOST_TEST(inventory.find("positions")->entries == 1u);
  BOOST_TEST(!inventory.find("positions")->bound_entries.has_value());
  BOOST_TEST(inventory.find("position_locks")->entries == 1u);
  BOOST_TEST(inventory.find("position_locks")->bound_entries.value() == 1'000u);
  BOOST_TEST(inventory.counter_value("executor.positions_opened").value() == 2u);
  BOOST_TEST(inventory.counter_value("executor.positions_closed").value() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE engine_exec
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/exec/order_router.h"
#include "engine/exec/portfolio_fills.h"
#include "engine/portfolio/portfolio.h"
#include "tests/engine/portfolio/test_support.h"

using namespace plateau::engine;
using plateau::engine::testing::at_seconds;
using plateau::engine::testing::RecordingAudit;
using plateau::engine::testing::RecordingInventory;

namespace {

Fixed fx(const char* text) { return *Fixed::parse(text); }

OrderIntent intent(const std::string& id, const std::string& symbol = "BTC", Side side = Side::kBuy) {
  return OrderIntent{id, symbol, side, fx("1"), std::nullopt, "entry", FillEffect::kAny};
}

constexpr std::int64_t kStart = 1'000'000;
constexpr std::int64_t kTtl = 7200;
constexpr std::int64_t kInterval = 3600;

struct RouterFixture {
  Failpoints failpoints;
  std::vector<FillEvent> fills;
  OrderRouter router{failpoints, OrderRouterOptions{},
                     [this](const FillEvent& fill) { fills.push_back(fill); }};

  RouterFixture() { router.maintain(at_seconds(kStart)); }  // starts the purge interval

  // Submits three orders at kStart and takes them to filled, cancelled and
  // rejected; a fourth stays partially filled.
  void run_orders_to_terminal() {
    const TimePoint t = at_seconds(kStart);
    for (const char* id : {"o-filled", "o-cancelled", "o-rejected", "o-live"}) {
      BOOST_REQUIRE(router.submit(intent(id), t).accepted());
    }
    BOOST_TEST((router.on_order_update({"o-filled", OrderState::kFilled, fx("1"), fx("100")}, t) ==
                UpdateStatus::kApplied));
    BOOST_TEST((router.on_order_update("o-cancelled", OrderState::kCancelled, t) == UpdateStatus::kApplied));
    BOOST_TEST((router.on_order_update("o-rejected", OrderState::kRejected, t) == UpdateStatus::kApplied));
    BOOST_TEST((router.on_order_update({"o-live", OrderState::kPartiallyFilled, fx("0.5"), fx("100")}, t) ==
                UpdateStatus::kApplied));
  }

  RecordingAudit audit() const {
    RecordingAudit sink;
    router.audit(sink);
    return sink;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(order_router)

BOOST_FIXTURE_TEST_CASE(terminal_orders_leave_no_residue_after_ttl_and_purge, RouterFixture) {
  run_orders_to_terminal();
  BOOST_TEST(router.maintain(at_seconds(kStart + kInterval)) == 0u);  // age 3600: inside the TTL
  // The next purge finds every terminal order older than the TTL.
  BOOST_TEST(router.maintain(at_seconds(kStart + 2 * kInterval + 1)) == 3u);

  RecordingAudit residue = audit();
  for (const char* id : {"o-filled", "o-cancelled", "o-rejected"}) {
    BOOST_TEST(!residue.holds("order_meta", id), id << " still in order_meta");
    BOOST_TEST(!residue.holds("seen", id), id << " still in seen");
  }
  BOOST_TEST(residue.holds("order_meta", "o-live"));
  BOOST_TEST(residue.holds("seen", "o-live"));
  BOOST_TEST((residue.kind("order_meta") == EntityKind::kOrder));
  BOOST_TEST((residue.kind("seen") == EntityKind::kOrder));
  BOOST_TEST(router.lost_orders() == 0u);
  BOOST_TEST(router.orders_purged() == 3u);
}

BOOST_FIXTURE_TEST_CASE(inventory_bytes_return_to_zero_once_every_order_is_purged, RouterFixture) {
  // Long ids live on the heap, where a copy's capacity can differ from the
  // original's: the byte totals must still come back to exactly zero.
  const TimePoint t = at_seconds(kStart);
  std::string long_id = "order-with-a-long-client-id-";
  long_id.reserve(200);
  for (int i = 0; i < 50; ++i) {
    std::string id = long_id + std::to_string(i);
    id.reserve(120);
    BOOST_REQUIRE(router.submit(intent(id), t).accepted());
    BOOST_REQUIRE((router.on_order_update(id, OrderState::kCancelled, t) == UpdateStatus::kApplied));
  }
  RecordingInventory before;
  router.inventory(before);
  BOOST_TEST(before.bytes("order_meta") > 0u);
  BOOST_TEST(before.bytes("seen") > 0u);

  BOOST_TEST(router.maintain(at_seconds(kStart + 3 * kInterval)) == 50u);
  RecordingInventory after;
  router.inventory(after);
  BOOST_TEST(after.entries("order_meta") == 0u);
  BOOST_TEST(after.bytes("order_meta") == 0u);
  BOOST_TEST(after.bytes("seen") == 0u);
}

BOOST_FIXTURE_TEST_CASE(keep_terminal_orders_failpoint_leaves_the_residue, RouterFixture) {
  failpoints.set(Failpoint::kRouterKeepTerminalOrders, true);
  run_orders_to_terminal();
  BOOST_TEST(router.maintain(at_seconds(kStart + 2 * kInterval + 1)) == 0u);

  RecordingAudit residue = audit();
  for (const char* id : {"o-filled", "o-cancelled", "o-rejected"}) {
    BOOST_TEST(residue.holds("order_meta", id));
    BOOST_TEST(residue.holds("seen", id));
  }
  RecordingInventory inventory;
  router.inventory(inventory);
  BOOST_TEST(inventory.entries("order_meta") == 4u);
  BOOST_TEST(inventory.entries("seen") == 4u);
}

BOOST_FIXTURE_TEST_CASE(non_terminal_orders_are_never_purged, RouterFixture) {
  BOOST_REQUIRE(router.submit(intent("o-new"), at_seconds(kStart)).accepted());
  BOOST_REQUIRE(router.submit(intent("o-partial"), at_seconds(kStart)).accepted());
  router.on_order_update({"o-partial", OrderState::kPartiallyFilled, fx("0.1"), fx("10")},
                         at_seconds(kStart));
  for (int hour = 1; hour <= 48; ++hour) router.maintain(at_seconds(kStart + hour * kInterval));
  BOOST_TEST(router.purges_run() == 48u);
  BOOST_TEST(router.order_count() == 2u);
  BOOST_TEST(router.seen("o-new"));
  BOOST_TEST(router.seen("o-partial"));
}

BOOST_FIXTURE_TEST_CASE(purge_runs_only_on_its_interval, RouterFixture) {
  BOOST_REQUIRE(router.submit(intent("o-1"), at_seconds(kStart)).accepted());
  router.on_order_update("o-1", OrderState::kCancelled, at_seconds(kStart));
  // Purges are due at kStart + 3600 and kStart + 7200; both find the order
  // not yet older than the TTL (ages 3600 and exactly 7200), so it stays.
  router.maintain(at_seconds(kStart + kInterval));
  router.maintain(at_seconds(kStart + 2 * kInterval));
  BOOST_TEST(router.purges_run() == 2u);
  BOOST_TEST(router.order_count() == 1u);
  // From here the order is old enough, but no purge is due until kStart + 10800.
  BOOST_TEST(router.maintain(at_seconds(kStart + 2 * kInterval + 10)) == 0u);
  BOOST_TEST(router.maintain(at_seconds(kStart + 3 * kInterval - 1)) == 0u);
  BOOST_TEST(router.purges_run() == 2u);
  BOOST_TEST(router.seen("o-1"));
  BOOST_TEST(router.maintain(at_seconds(kStart + 3 * kInterval)) == 1u);
  BOOST_TEST(router.purges_run() == 3u);
  BOOST_TEST(!router.seen("o-1"));
  BOOST_TEST(!router.order_meta("o-1"));
}

BOOST_FIXTURE_TEST_CASE(submit_purges_opportunistically_when_due, RouterFixture) {
  BOOST_REQUIRE(router.submit(intent("o-old"), at_seconds(kStart)).accepted());
  router.on_order_update("o-old", OrderState::kFilled, at_seconds(kStart));
  router.maintain(at_seconds(kStart + kInterval));  // too young then
  // No maintain call; a submit after the next interval does the purge.
  BOOST_REQUIRE(router.submit(intent("o-new"), at_seconds(kStart + 2 * kInterval + 5)).accepted());
  BOOST_TEST(!router.order_meta("o-old"));
  BOOST_TEST(!router.seen("o-old"));
  BOOST_TEST(router.order_count() == 1u);
}

BOOST_FIXTURE_TEST_CASE(resubmitted_ids_are_refused, RouterFixture) {
  BOOST_TEST(router.submit(intent("o-1"), at_seconds(kStart)).accepted());
  SubmitResult again = router.submit(intent("o-1"), at_seconds(kStart + 1));
  BOOST_TEST((again.status == SubmitStatus::kDuplicate));
  BOOST_TEST(again.error.find("o-1") != std::string::npos);

  OrderIntent bad = intent("o-2");
  bad.qty = fx("0");
  SubmitResult invalid = router.submit(bad, at_seconds(kStart));
  BOOST_TEST((invalid.status == SubmitStatus::kInvalid));
  BOOST_TEST(invalid.error.find("qty") != std::string::npos);
  BOOST_TEST(!router.seen("o-2"));
}

BOOST_FIXTURE_TEST_CASE(fills_reach_the_handler_and_states_only_move_forward, RouterFixture) {
  const TimePoint t = at_seconds(kStart);
  router.submit(intent("o-1"), t);
  router.on_order_update({"o-1", OrderState::kPartiallyFilled, fx("0.25"), fx("100")}, t);
  BOOST_TEST((router.on_order_update("o-1", OrderState::kNew, t) == UpdateStatus::kInvalid));
  router.on_order_update({"o-1", OrderState::kFilled, fx("0.75"), fx("102")}, t + std::chrono::seconds(3));
  BOOST_TEST((router.on_order_update("o-1", OrderState::kCancelled, t) == UpdateStatus::kIgnoredTerminal));

  BOOST_REQUIRE(fills.size() == 2u);
  BOOST_TEST(fills[1].qty == fx("0.75"));
  BOOST_TEST(fills[1].price == fx("102"));
  auto meta = router.order_meta("o-1");
  BOOST_TEST((meta->state == OrderState::kFilled));
  BOOST_TEST(meta->filled_qty == fx("1"));
  BOOST_TEST((meta->updated_at == t + std::chrono::seconds(3)));
}

BOOST_FIXTURE_TEST_CASE(updates_for_unknown_orders, RouterFixture) {
  // A final report for an order the router does not know is late, not lost.
  BOOST_TEST((router.on_order_update("ghost", OrderState::kFilled, at_seconds(kStart)) ==
              UpdateStatus::kUnknownOrder));
  BOOST_TEST(router.lost_orders() == 0u);
  // A live report for one is a lost order: its fills have nowhere to go.
  router.on_order_update("ghost", OrderState::kPartiallyFilled, at_seconds(kStart));
  BOOST_TEST(router.lost_orders() == 1u);
  RecordingInventory inventory;
  router.inventory(inventory);
  BOOST_TEST((inventory.counter_kind("lost_orders") == CounterKind::kInvariant));
  BOOST_TEST(inventory.counter_value("lost_orders") == 1u);
}

BOOST_AUTO_TEST_CASE(portfolio_fill_handler_moves_positions) {
  Failpoints failpoints;
  Portfolio portfolio;
  OrderRouter router(failpoints, {}, make_portfolio_fill_handler(portfolio));
  const TimePoint t = at_seconds(kStart);
  router.submit(intent("buy-1", "ETH"), t);
  router.on_order_update({"buy-1", OrderState::kFilled, fx("1"), fx("10")}, t);
  BOOST_TEST(portfolio.get("ETH")->qty == fx("1"));

  OrderIntent exit = intent("exit-1", "ETH", Side::kSell);
  exit.effect = FillEffect::kReduceOnly;
  router.submit(exit, t);
  portfolio.close("ETH");  // the exit already took the position out
  router.on_order_update({"exit-1", OrderState::kFilled, fx("1"), fx("11")}, t);
  BOOST_TEST(!portfolio.holds("ETH"));  // no phantom short
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused) {
  Failpoints failpoints;
  BOOST_CHECK_THROW(
      OrderRouter(failpoints, OrderRouterOptions{Duration::zero(), std::chrono::seconds(1)}, {}),
      std::invalid_argument);
  BOOST_CHECK_THROW(
      OrderRouter(failpoints, OrderRouterOptions{std::chrono::seconds(1), Duration::zero()}, {}),
      std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

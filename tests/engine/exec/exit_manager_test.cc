#include <boost/test/unit_test.hpp>

#include <string>

#include "engine/core/failpoints.h"
#include "engine/exec/exit_manager.h"
#include "engine/exec/order_router.h"
#include "engine/exec/portfolio_fills.h"
#include "engine/portfolio/portfolio.h"
#include "engine/portfolio/priority_symbols.h"
#include "tests/engine/exec/fake_venues.h"
#include "tests/engine/portfolio/test_support.h"

using namespace plateau::engine;
using plateau::engine::testing::at_seconds;
using plateau::engine::testing::RecordingAudit;
using plateau::engine::testing::RecordingInventory;
using plateau::engine::testing::ScriptedVenue;
using Answer = ScriptedVenue::Answer;

namespace {

Fixed fx(const char* text) { return *Fixed::parse(text); }

struct ExitFixture {
  Failpoints failpoints;
  Portfolio portfolio;
  ScriptedVenue venue;
  ExitManager exits{failpoints, venue, portfolio};

  ExitFixture() { portfolio.apply_fill("BTC", Side::kBuy, fx("2"), fx("100"), at_seconds(1)); }

  bool intent_residue(const std::string& symbol) const {
    RecordingAudit sink;
    exits.audit(sink);
    return sink.holds("pending_exit_intents", symbol);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(exit_manager)

BOOST_FIXTURE_TEST_CASE(success_closes_the_position_and_releases_the_intent, ExitFixture) {
  ExitResult result = exits.execute_exit({"BTC", std::nullopt, "stop_loss"}, at_seconds(10));
  BOOST_TEST(result.success);
  BOOST_TEST(result.reason == "exit_submitted");
  BOOST_TEST(result.order_id.value() == "exit-BTC-1");
  BOOST_REQUIRE(venue.orders.size() == 1u);
  BOOST_TEST((venue.orders[0].side == Side::kSell));
  BOOST_TEST(venue.orders[0].qty == fx("2"));
  BOOST_TEST(!portfolio.holds("BTC"));
  BOOST_TEST(!intent_residue("BTC"));
  BOOST_TEST(exits.exits_succeeded() == 1u);
}

BOOST_FIXTURE_TEST_CASE(failure_and_exception_release_the_intent, ExitFixture) {
  venue.answer = Answer::kRefuse;
  ExitResult refused = exits.execute_exit({"BTC", std::nullopt, "stop_loss"}, at_seconds(10));
  BOOST_TEST(!refused.success);
  BOOST_TEST(refused.reason == "venue_rejected");
  BOOST_TEST(refused.error.find("insufficient balance") != std::string::npos);
  BOOST_TEST(!intent_residue("BTC"));

  venue.answer = Answer::kThrow;
  ExitResult thrown = exits.execute_exit({"BTC", std::nullopt, "stop_loss"}, at_seconds(11));
  BOOST_TEST(!thrown.success);
  BOOST_TEST(thrown.reason == "venue_exception");
  BOOST_TEST(thrown.error.find("connection reset") != std::string::npos);
  BOOST_TEST(!intent_residue("BTC"));

  // The position survives failed exits, back in the open state, and a retry goes through.
  BOOST_TEST((portfolio.get("BTC")->state == PositionState::kOpen));
  venue.answer = Answer::kAccept;
  BOOST_TEST(exits.execute_exit({"BTC", std::nullopt, "retry"}, at_seconds(12)).success);
  BOOST_TEST(exits.exits_failed() == 2u);
  BOOST_TEST(exits.exits_deduplicated() == 0u);
}

BOOST_FIXTURE_TEST_CASE(leak_intent_failpoint_blocks_later_exits, ExitFixture) {
  failpoints.set(Failpoint::kExitsLeakIntentOnFailure, true);
  portfolio.apply_fill("ETH", Side::kBuy, fx("1"), fx("10"), at_seconds(1));

  venue.answer = Answer::kRefuse;
  BOOST_TEST(!exits.execute_exit({"BTC", std::nullopt, "stop_loss"}, at_seconds(10)).success);
  venue.answer = Answer::kThrow;
  BOOST_TEST(!exits.execute_exit({"ETH", std::nullopt, "stop_loss"}, at_seconds(10)).success);
  BOOST_TEST(intent_residue("BTC"));
  BOOST_TEST(intent_residue("ETH"));

  venue.answer = Answer::kAccept;
  ExitResult blocked = exits.execute_exit({"BTC", std::nullopt, "retry"}, at_seconds(100));
  BOOST_TEST(!blocked.success);
  BOOST_TEST(blocked.reason == "exit_already_in_progress");
  BOOST_TEST(portfolio.holds("BTC"));
  BOOST_TEST(exits.exits_deduplicated() == 1u);

  // The leaked intents are stale after stale_intent_age (60 s): invariants fire.
  BOOST_TEST(exits.maintain(at_seconds(100)) == 2u);
  RecordingInventory inventory;
  exits.inventory(inventory);
  BOOST_TEST(inventory.counter_value("stale_exit_intents") == 2u);
  BOOST_TEST((inventory.counter_kind("stale_exit_intents") == CounterKind::kInvariant));
  BOOST_TEST(inventory.counter_value("exits_blocked_by_stale_intent") == 1u);
  BOOST_TEST(inventory.entries("pending_exit_intents") == 2u);

  RecordingAudit audit;
  exits.audit(audit);
  BOOST_TEST((audit.kind("pending_exit_intents") == EntityKind::kExitIntent));
  BOOST_TEST((audit.max_age("pending_exit_intents") == std::chrono::seconds(60)));
}

BOOST_FIXTURE_TEST_CASE(success_paths_do_not_leak_even_with_the_failpoint, ExitFixture) {
  failpoints.set(Failpoint::kExitsLeakIntentOnFailure, true);
  BOOST_TEST(exits.execute_exit({"BTC", std::nullopt, "take_profit"}, at_seconds(10)).success);
  BOOST_TEST(!intent_residue("BTC"));
  BOOST_TEST(exits.maintain(at_seconds(1000)) == 0u);
}

BOOST_FIXTURE_TEST_CASE(requests_without_a_position_or_with_bad_qty_fail_cleanly, ExitFixture) {
  ExitResult none = exits.execute_exit({"DOGE", std::nullopt, "manual"}, at_seconds(10));
  BOOST_TEST(none.reason == "no_position");
  ExitResult too_much = exits.execute_exit({"BTC", fx("3"), "manual"}, at_seconds(10));
  BOOST_TEST(too_much.reason == "invalid_request");
  BOOST_TEST(too_much.error.find("BTC") != std::string::npos);
  BOOST_TEST(exits.execute_exit({"BTC", fx("-1"), "manual"}, at_seconds(10)).reason == "invalid_request");
  BOOST_TEST(exits.execute_exit({"", std::nullopt, "manual"}, at_seconds(10)).reason == "invalid_request");
  BOOST_TEST(venue.orders.empty());
  BOOST_TEST(exits.pending_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(partial_exit_reduces_the_position, ExitFixture) {
  BOOST_TEST(exits.execute_exit({"BTC", fx("0.5"), "scale_out"}, at_seconds(10)).success);
  BOOST_TEST(portfolio.get("BTC")->qty == fx("1.5"));
  BOOST_TEST((portfolio.get("BTC")->state == PositionState::kOpen));
}

BOOST_FIXTURE_TEST_CASE(short_positions_exit_with_a_buy, ExitFixture) {
  portfolio.apply_fill("ETH", Side::kSell, fx("1"), fx("10"), at_seconds(1));
  BOOST_TEST(exits.execute_exit({"ETH", std::nullopt, "cover"}, at_seconds(10)).success);
  BOOST_TEST((venue.orders.back().side == Side::kBuy));
  BOOST_TEST(!portfolio.holds("ETH"));
}

BOOST_AUTO_TEST_CASE(router_venue_wiring_invalidates_priority_and_ignores_the_late_fill) {
  Failpoints failpoints;
  Portfolio portfolio;
  PrioritySymbols priority(portfolio);
  portfolio.set_change_listener([&](const Symbol&) { priority.invalidate(); });
  OrderRouter router(failpoints, {}, make_portfolio_fill_handler(portfolio));
  RouterExitVenue venue(router);
  ExitManager exits(failpoints, venue, portfolio);

  const TimePoint t = at_seconds(50);
  router.submit({"buy-1", "SOL", Side::kBuy, fx("4"), std::nullopt, "entry", FillEffect::kAny}, t);
  router.on_order_update({"buy-1", OrderState::kFilled, fx("4"), fx("20")}, t);
  BOOST_TEST(priority.is_priority("SOL", t));

  ExitResult result = exits.execute_exit({"SOL", std::nullopt, "take_profit"}, t);
  BOOST_REQUIRE(result.success);
  BOOST_TEST(result.order_id.value() == "exit-SOL-1");
  auto meta = router.order_meta("exit-SOL-1");
  BOOST_TEST((meta->side == Side::kSell));
  BOOST_TEST((meta->effect == FillEffect::kReduceOnly));
  BOOST_TEST(meta->reason == "exit:take_profit");
  // Invalidated by the close: not a priority any more, inside the TTL.
  BOOST_TEST(!priority.is_priority("SOL", t));

  router.on_order_update({"exit-SOL-1", OrderState::kFilled, fx("4"), fx("22")}, t);
  BOOST_TEST(!portfolio.holds("SOL"));
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE engine_paper_engine
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

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
using plateau::engine::testing::RecordingInventory;

namespace {

const TimePoint kT0 = TimePoint{} + 1'000'000s;
Fixed dec(const char* text) { return *Fixed::parse(text); }
Fixed px(std::int64_t units) { return Fixed::from_int(units); }

// A PaperEngine over one scripted price source, with limits loose enough
// that a test only meets the one it is about.
struct Fixture {
  Failpoints failpoints;
  std::shared_ptr<FakePriceSource> source = std::make_shared<FakePriceSource>("exchange");
  PriceProvider prices{{source}, PriceProviderOptions{}, {}};
  PaperOptions options;

  Fixture() {
    options.capital = px(1'000'000);
    options.cooldown_after_opens = 1'000;
  }
  std::unique_ptr<PaperEngine> make() { return std::make_unique<PaperEngine>(options, prices, failpoints); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(opening)

BOOST_AUTO_TEST_CASE(opens_at_the_provider_price_with_fee_exact_targets) {
  Fixture f;
  f.source->answer(px(100));
  auto engine = f.make();
  OpenResult opened = engine->open_position("BTC", Side::kBuy, PositionSize::notional(px(1000)), kT0);
  BOOST_REQUIRE_MESSAGE(opened, opened.reason);
  auto p = engine->position(*opened.id);
  BOOST_REQUIRE(p);
  BOOST_TEST(p->quantity == px(10));
  BOOST_TEST(p->entry_price == px(100));
  BOOST_TEST(p->entry_fee == dec("0.4"));
  BOOST_TEST(
      (net_pnl(Side::kBuy, p->quantity, p->entry_price, p->take_profit_price, f.options.fee_rate) - px(10))
          .abs() <= dec("0.01"));
  BOOST_TEST(
      (net_pnl(Side::kBuy, p->quantity, p->entry_price, p->stop_loss_price, f.options.fee_rate) + px(10))
          .abs() <= dec("0.01"));
  BOOST_TEST(!p->closed);
}

BOOST_AUTO_TEST_CASE(refuses_without_a_price_or_with_a_bad_size) {
  Fixture f;
  auto engine = f.make();
  OpenResult no_price = engine->open_position("BTC", Side::kBuy, PositionSize::notional(px(1000)), kT0);
  BOOST_TEST(!no_price);
  BOOST_TEST((no_price.refusal == OpenRefusal::kNoPrice));
  OpenResult tiny =
      engine->open_position("BTC", Side::kBuy, PositionSize::quantity(dec("0.01")), kT0, px(100));
  BOOST_TEST((tiny.refusal == OpenRefusal::kInvalidSize));
  BOOST_TEST(tiny.reason.find("stop-loss") != std::string::npos);
  BOOST_TEST(engine->open_count() == 0u);
}

BOOST_AUTO_TEST_CASE(max_positions_is_enforced) {
  Fixture f;
  auto engine = f.make();
  for (int i = 0; i < 15; ++i) {
    BOOST_REQUIRE(engine->open_position("S" + std::to_string(i), Side::kBuy, PositionSize::notional(px(1000)),
                                        kT0, px(100)));
  }
  OpenResult refused = engine->open_position("X", Side::kBuy, PositionSize::notional(px(1000)), kT0, px(100));
  BOOST_TEST((refused.refusal == OpenRefusal::kMaxPositions));
  BOOST_TEST(refused.reason.find("max_positions is 15") != std::string::npos);
  BOOST_TEST(engine->open_count() == 15u);
  BOOST_TEST(engine->health().positions_over_limit == 0u);
}

BOOST_AUTO_TEST_CASE(no_position_limit_failpoint_is_caught_by_the_invariant) {
  Fixture f;
  f.failpoints.set(Failpoint::kPaperNoPositionLimit, true);
  auto engine = f.make();
  for (int i = 0; i < 17; ++i) {
    BOOST_REQUIRE(engine->open_position("S" + std::to_string(i), Side::kBuy, PositionSize::notional(px(1000)),
                                        kT0, px(100)));
  }
  BOOST_TEST(engine->health().positions_over_limit == 2u);
  RecordingInventory inv;
  engine->inventory(inv);
  BOOST_TEST(inv.counters.at("positions_over_limit").first == 2u);
  BOOST_TEST((inv.counters.at("positions_over_limit").second == CounterKind::kInvariant));
  BOOST_TEST(inv.containers.at("open_positions").entries >
             *inv.containers.at("open_positions").bound_entries);
}

BOOST_AUTO_TEST_CASE(capital_share_is_enforced) {
  Fixture f;
  f.options.capital = px(10'000);
  auto engine = f.make();
  BOOST_REQUIRE(engine->open_position("A", Side::kBuy, PositionSize::notional(px(5000)), kT0, px(100)));
  BOOST_REQUIRE(engine->open_position("B", Side::kSell, PositionSize::notional(px(4000)), kT0, px(100)));
  OpenResult refused = engine->open_position("C", Side::kBuy, PositionSize::notional(px(100)), kT0, px(100));
  BOOST_TEST((refused.refusal == OpenRefusal::kCapitalShare));
  BOOST_TEST(engine->health().open_notional == px(9000));
  // Closing frees the capital again.
  auto open = engine->open_positions();
  BOOST_REQUIRE(engine->close_position(open.front().id, CloseReason::kManual, px(100), kT0 + 1s));
  BOOST_TEST(engine->open_position("C", Side::kBuy, PositionSize::notional(px(100)), kT0 + 2s, px(100))
                 .id.has_value());
}

BOOST_AUTO_TEST_CASE(cooldown_after_a_burst_of_opens) {
  Fixture f;
  f.options.cooldown_after_opens = 5;
  auto engine = f.make();
  for (int i = 0; i < 5; ++i) {
    BOOST_REQUIRE(engine->open_position("S" + std::to_string(i), Side::kBuy, PositionSize::notional(px(500)),
                                        kT0 + i * 10s, px(100)));
  }
  OpenResult refused =
      engine->open_position("X", Side::kBuy, PositionSize::notional(px(500)), kT0 + 299s, px(100));
  BOOST_TEST((refused.refusal == OpenRefusal::kCooldown));
  // 300 s after the first open, one slot is free again.
  BOOST_TEST(engine->open_position("X", Side::kBuy, PositionSize::notional(px(500)), kT0 + 300s, px(100))
                 .id.has_value());
  BOOST_TEST(
      (engine->open_position("Y", Side::kBuy, PositionSize::notional(px(500)), kT0 + 301s, px(100)).refusal ==
       OpenRefusal::kCooldown));
  BOOST_TEST(engine->health().refused_cooldown == 2u);
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_naming_the_field) {
  Fixture f;
  f.options.max_capital_share = dec("1.5");
  try {
    f.make();
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("max_capital_share is 1.5") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(monitoring)

BOOST_AUTO_TEST_CASE(take_profit_and_stop_loss_close_at_their_net_targets) {
  Fixture f;
  auto engine = f.make();
  auto long_id =
      *engine->open_position("L", Side::kBuy, PositionSize::notional(px(2000)), kT0, dec("37.5")).id;
  auto short_id =
      *engine->open_position("S", Side::kSell, PositionSize::notional(px(3000)), kT0, dec("1234.5")).id;
  const auto long_pos = *engine->position(long_id);
  const auto short_pos = *engine->position(short_id);
  f.source->set_rule([&](const Symbol& symbol, TimePoint) {
    return PriceQuote::ok(symbol == "L" ? long_pos.take_profit_price : short_pos.stop_loss_price);
  });
  CycleReport report = engine->monitor_cycle(kT0 + 60s);
  BOOST_TEST(report.evaluated == 2u);
  BOOST_TEST(report.closed == 2u);
  BOOST_TEST(engine->open_count() == 0u);
  auto trades = engine->closed_trades();
  BOOST_REQUIRE(trades.size() == 2u);
  for (const ClosedTrade& t : trades) {
    if (t.id == long_id) {
      BOOST_TEST((t.reason == CloseReason::kTakeProfit));
      BOOST_TEST((t.net_pnl - px(10)).abs() <= dec("0.01"));
    } else {
      BOOST_TEST((t.reason == CloseReason::kStopLoss));
      BOOST_TEST((t.net_pnl + px(10)).abs() <= dec("0.01"));
    }
  }
  BOOST_TEST((engine->health().realized_pnl).abs() <= dec("0.02"));
  BOOST_TEST(engine->health().take_profits == 1u);
  BOOST_TEST(engine->health().stop_losses == 1u);
}

BOOST_AUTO_TEST_CASE(one_throwing_position_does_not_stop_the_loop) {
  Fixture f;
  PositionId poisoned;
  f.options.before_evaluate = [&](const PositionId& id, const Symbol&) {
    if (id == poisoned) throw std::runtime_error("corrupt position");
  };
  f.options.error_cycles_before_backoff = 2;
  auto engine = f.make();
  std::vector<PositionId> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(*engine
                       ->open_position("S" + std::to_string(i), Side::kBuy, PositionSize::notional(px(1000)),
                                       kT0 + i * 1s, px(100))
                       .id);
  }
  poisoned = ids[1];          // not first, not last: the positions after it must still be evaluated
  f.source->answer(px(200));  // every position is far past its take-profit
  CycleReport first = engine->monitor_cycle(kT0 + 10s);
  BOOST_TEST(first.errors == 1u);
  BOOST_TEST(first.evaluated == 3u);
  BOOST_TEST(first.closed == 3u);
  BOOST_TEST(engine->open_count() == 1u);
  BOOST_TEST(engine->health().consecutive_error_cycles == 1u);
  BOOST_TEST(!engine->health().next_cycle_allowed_at.has_value());

  // Errors on consecutive cycles back the loop off, doubling.
  engine->monitor_cycle(kT0 + 11s);
  auto health = engine->health();
  BOOST_TEST(health.consecutive_error_cycles == 2u);
  BOOST_REQUIRE(health.next_cycle_allowed_at.has_value());
  BOOST_TEST((*health.next_cycle_allowed_at == kT0 + 12s));
  BOOST_TEST(engine->monitor_cycle(kT0 + 11500ms).deferred);
  BOOST_TEST(!engine->monitor_cycle(kT0 + 12s).deferred);
  BOOST_TEST((*engine->health().next_cycle_allowed_at == kT0 + 14s));
  BOOST_TEST(engine->health().cycles_deferred == 1u);
  BOOST_TEST(engine->health().evaluation_errors == 3u);

  // Once the fault is gone, the backoff resets.
  poisoned.clear();
  CycleReport healed = engine->monitor_cycle(kT0 + 14s);
  BOOST_TEST(healed.errors == 0u);
  BOOST_TEST(healed.closed == 1u);
  BOOST_TEST(!engine->health().next_cycle_allowed_at.has_value());
  BOOST_TEST(engine->health().skipped_cycles == 0u);
}

// A position whose price fetch fails is still evaluated, on the cached price;
// with paper.no_price_fallback it is skipped, and the invariant sees it.
void run_failed_fetch_cycle(bool failpoint_on, std::uint64_t expected_skipped) {
  Fixture f;
  f.failpoints.set(Failpoint::kPaperNoPriceFallback, failpoint_on);
  f.source->answer(px(100));
  auto engine = f.make();
  for (int i = 0; i < 3; ++i) {
    BOOST_REQUIRE(
        engine->open_position("S" + std::to_string(i), Side::kBuy, PositionSize::notional(px(1000)), kT0));
  }
  f.source->fail();
  CycleReport report = engine->monitor_cycle(kT0 + 60s);  // past the 30 s cache TTL
  BOOST_TEST(report.skipped == expected_skipped);
  BOOST_TEST(report.evaluated == 3u - expected_skipped);
  BOOST_TEST(report.stale_prices == 3u - expected_skipped);
  BOOST_TEST(engine->health().skipped_cycles == expected_skipped);
  RecordingInventory inv;
  engine->inventory(inv);
  BOOST_TEST(inv.counters.at("skipped_cycles").first == expected_skipped);
  BOOST_TEST((inv.counters.at("skipped_cycles").second == CounterKind::kInvariant));
}

BOOST_AUTO_TEST_CASE(failed_fetch_falls_back_to_the_cached_price) { run_failed_fetch_cycle(false, 0); }

BOOST_AUTO_TEST_CASE(no_price_fallback_failpoint_skips_positions) { run_failed_fetch_cycle(true, 3); }

BOOST_AUTO_TEST_CASE(a_position_with_no_price_at_all_is_counted_not_skipped) {
  Fixture f;
  auto engine = f.make();
  BOOST_REQUIRE(engine->open_position("NEW", Side::kBuy, PositionSize::notional(px(1000)), kT0, px(100)));
  CycleReport report = engine->monitor_cycle(kT0 + 1s);
  BOOST_TEST(report.unpriced == 1u);
  BOOST_TEST(report.skipped == 0u);
  BOOST_TEST(engine->health().unpriced_evaluations == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(closing)

BOOST_AUTO_TEST_CASE(closes_once_and_leaves_no_residue) {
  Fixture f;
  auto engine = f.make();
  std::vector<PositionId> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(*engine
                       ->open_position("S" + std::to_string(i), Side::kBuy, PositionSize::notional(px(1000)),
                                       kT0, px(100))
                       .id);
  }
  RecordingAudit before;
  engine->audit(before);
  BOOST_TEST(before.keys.at("open_positions").size() == 3u);
  BOOST_TEST((before.kinds.at("open_positions") == EntityKind::kPosition));

  BOOST_TEST(engine->close_position(ids[0], CloseReason::kManual, px(101), kT0 + 1s));
  BOOST_TEST(!engine->close_position(ids[0], CloseReason::kManual, px(101), kT0 + 2s));
  BOOST_TEST(!engine->close_position("paper-unknown", CloseReason::kManual, px(101), kT0 + 2s));
  BOOST_TEST(engine->health().positions_closed == 1u);
  BOOST_TEST(engine->health().realized_pnl ==
             net_pnl(Side::kBuy, px(10), px(100), px(101), f.options.fee_rate));

  for (std::size_t i = 1; i < ids.size(); ++i) {
    BOOST_TEST(engine->close_position(ids[i], CloseReason::kShutdown, px(99), kT0 + 3s));
  }
  RecordingAudit after;
  engine->audit(after);
  BOOST_TEST(after.keys.count("open_positions") == 0u);
  RecordingInventory inv;
  engine->inventory(inv);
  BOOST_TEST(inv.containers.at("open_positions").entries == 0u);
  BOOST_TEST(inv.counters.at("double_closes").first == 0u);
}

BOOST_AUTO_TEST_CASE(closed_history_is_bounded) {
  Fixture f;
  f.options.closed_history_capacity = 4;
  auto engine = f.make();
  for (int i = 0; i < 10; ++i) {
    auto id = *engine->open_position("S", Side::kBuy, PositionSize::notional(px(1000)), kT0, px(100)).id;
    BOOST_REQUIRE(engine->close_position(id, CloseReason::kManual, px(100), kT0));
  }
  auto trades = engine->closed_trades();
  BOOST_REQUIRE(trades.size() == 4u);
  BOOST_TEST(trades.back().id == "paper-10");
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE engine_market_data
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/market/market_data.h"
#include "tests/engine/market/recording_sinks.h"
#include "tests/engine/market/test_printers.h"

using namespace plateau::engine;
using namespace std::chrono_literals;
using plateau::engine::testing::RecordingInventory;

namespace {

const TimePoint kStart = TimePoint{} + 1'000'000s;

Fixed px(std::int64_t units) { return Fixed::from_int(units); }

// `count` consecutive 1m candles starting at `first`, close = index.
std::vector<Candle> minute_frame(std::size_t count, TimePoint first = TimePoint{} + 600s) {
  std::vector<Candle> frame;
  for (std::size_t i = 0; i < count; ++i) {
    Fixed p = px(static_cast<std::int64_t>(i + 1));
    frame.push_back(Candle{first + std::chrono::minutes(i), p, p, p, p, px(1)});
  }
  return frame;
}

MarketDataOptions small_caps() {
  MarketDataOptions options;
  options.max_candles = {{Timeframe::k1m, 10}, {Timeframe::k5m, 4}};
  options.default_max_candles = 3;
  options.max_open_interest_points = 5;
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(caps)

BOOST_AUTO_TEST_CASE(first_insert_of_a_timeframe_is_capped_keeping_the_newest) {
  Failpoints fps;
  MarketData market(small_caps(), fps);
  market.insert_candles("BTC", Timeframe::k1m, minute_frame(25));
  BOOST_TEST(market.candle_count("BTC", Timeframe::k1m) == 10u);
  auto kept = market.candles("BTC", Timeframe::k1m, 100);
  BOOST_REQUIRE(kept.size() == 10u);
  BOOST_TEST(kept.front().close == px(16));
  BOOST_TEST(kept.back().close == px(25));

  RecordingInventory inv;
  market.inventory(inv);
  BOOST_TEST(inv.containers.at("ohlcv_1m").entries == 10u);
  BOOST_TEST(*inv.containers.at("ohlcv_1m").bound_entries == 10u);
}

BOOST_AUTO_TEST_CASE(untrimmed_initial_failpoint_overshoots_until_cleanup) {
  Failpoints fps;
  MarketData market(small_caps(), fps);
  BOOST_TEST(market.maintain(kStart).has_value());  // start cleanup: nothing to trim
  fps.set(Failpoint::kMarketUntrimmedInitialOhlcv, true);
  market.insert_candles("BTC", Timeframe::k1m, minute_frame(25, kStart - 25min));
  BOOST_TEST(market.candle_count("BTC", Timeframe::k1m) == 25u);

  // Later appends are capped but keep the overshoot.
  market.on_tick("BTC", px(7), px(1), kStart + 1min);
  BOOST_TEST(market.candle_count("BTC", Timeframe::k1m) == 25u);
  RecordingInventory inv;
  market.inventory(inv);
  BOOST_TEST(inv.containers.at("ohlcv_1m").entries > *inv.containers.at("ohlcv_1m").bound_entries);

  BOOST_TEST(!market.maintain(kStart + 599s).has_value());
  BOOST_TEST(market.candle_count("BTC", Timeframe::k1m) == 25u);
  auto report = market.maintain(kStart + 600s);
  BOOST_REQUIRE(report.has_value());
  BOOST_TEST(report->candles_trimmed == 15u);
  BOOST_TEST(market.candle_count("BTC", Timeframe::k1m) == 10u);
}

BOOST_AUTO_TEST_CASE(merging_into_an_existing_series_caps_it) {
  Failpoints fps;
  MarketData market(small_caps(), fps);
  market.insert_candles("BTC", Timeframe::k1m, minute_frame(6));
  auto later = minute_frame(8, TimePoint{} + 600s + 4min);  // overlaps the last two
  market.insert_candles("BTC", Timeframe::k1m, later);
  auto kept = market.candles("BTC", Timeframe::k1m, 100);
  BOOST_REQUIRE(kept.size() == 10u);  // 12 distinct periods, capped at 10
  BOOST_TEST((kept.back().open_time == later.back().open_time));
  BOOST_TEST(kept.back().close == px(8));
  for (std::size_t i = 1; i < kept.size(); ++i) BOOST_TEST((kept[i - 1].open_time < kept[i].open_time));
}

BOOST_AUTO_TEST_CASE(ticks_build_candles_and_stay_capped) {
  Failpoints fps;
  MarketDataOptions options = small_caps();
  options.tick_timeframes = {Timeframe::k1m, Timeframe::k5m};
  MarketData market(options, fps);
  const TimePoint t0 = TimePoint{} + 3000s;  // on a 5-minute boundary
  market.on_tick("ETH", px(10), px(1), t0);
  market.on_tick("ETH", px(12), px(2), t0 + 10s);
  market.on_tick("ETH", px(9), px(3), t0 + 20s);
  market.on_tick("ETH", px(11), px(4), t0 + 70s);
  auto m1 = market.candles("ETH", Timeframe::k1m, 10);
  BOOST_REQUIRE(m1.size() == 2u);
  BOOST_TEST(m1[0].open == px(10));
  BOOST_TEST(m1[0].high == px(12));
  BOOST_TEST(m1[0].low == px(9));
  BOOST_TEST(m1[0].close == px(9));
  BOOST_TEST(m1[0].volume == px(6));
  BOOST_TEST((m1[1].open_time == t0 + 60s));
  auto m5 = market.candles("ETH", Timeframe::k5m, 10);
  BOOST_REQUIRE(m5.size() == 1u);
  BOOST_TEST(m5[0].close == px(11));
  BOOST_TEST(*market.last_price("ETH") == px(11));

  for (int i = 0; i < 120; ++i) market.on_tick("ETH", px(10 + i % 3), px(1), t0 + 2min + i * 1min);
  BOOST_TEST(market.candle_count("ETH", Timeframe::k1m) == 10u);
  BOOST_TEST(market.candle_count("ETH", Timeframe::k5m) == 4u);
  BOOST_TEST(market.candle_count("ETH", Timeframe::k1h) == 0u);  // not a tick timeframe

  market.on_tick("ETH", px(99), px(1), t0);  // late tick: not folded, last price unchanged
  BOOST_TEST(*market.last_price("ETH") != px(99));
  RecordingInventory inv;
  market.inventory(inv);
  BOOST_TEST(inv.counters.at("ticks_out_of_order").first == 1u);
}

BOOST_AUTO_TEST_CASE(open_interest_is_capped_unless_failpoint) {
  Failpoints fps;
  MarketData market(small_caps(), fps);
  for (int i = 0; i < 20; ++i) market.on_open_interest("BTC", px(i), kStart + i * 1s);
  auto history = market.open_interest("BTC", 100);
  BOOST_REQUIRE(history.size() == 5u);
  BOOST_TEST(history.front().value == px(15));

  fps.set(Failpoint::kMarketUnboundedOpenInterest, true);
  for (int i = 0; i < 20; ++i) market.on_open_interest("SOL", px(i), kStart + i * 1s);
  BOOST_TEST(market.open_interest("SOL", 100).size() == 20u);
  market.cleanup(kStart + 1h);
  BOOST_TEST(market.open_interest("SOL", 100).size() == 20u);
  RecordingInventory inv;
  market.inventory(inv);
  BOOST_TEST(inv.containers.at("open_interest_longest").entries == 20u);
  BOOST_TEST(*inv.containers.at("open_interest_longest").bound_entries == 5u);
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_naming_the_field) {
  Failpoints fps;
  MarketDataOptions options = small_caps();
  options.max_candles[Timeframe::k1h] = 0;
  try {
    MarketData market(options, fps);
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("max_candles[1h]") != std::string::npos);
  }
  options = small_caps();
  options.cleanup_interval = Duration::zero();
  BOOST_CHECK_THROW(MarketData(options, fps), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cleanup)

BOOST_AUTO_TEST_CASE(cleanup_runs_at_start_then_every_interval) {
  Failpoints fps;
  MarketData market(small_caps(), fps);
  market.restore_candles("BTC", Timeframe::k1m, minute_frame(50));
  auto first = market.maintain(kStart);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->at_start);
  BOOST_TEST(first->candles_trimmed == 40u);
  BOOST_TEST(first->series_trimmed == 1u);
  BOOST_TEST(market.candle_count("BTC", Timeframe::k1m) == 10u);
  BOOST_TEST((*market.next_cleanup_at() == kStart + 600s));
  BOOST_TEST(!market.maintain(kStart + 599s).has_value());
  auto second = market.maintain(kStart + 600s);
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(!second->at_start);
  BOOST_TEST(second->candles_trimmed == 0u);
}

BOOST_AUTO_TEST_CASE(delayed_first_cleanup_failpoint_waits_an_interval) {
  Failpoints fps;
  fps.set(Failpoint::kMarketDelayFirstCleanup, true);
  MarketData market(small_caps(), fps);
  market.restore_candles("BTC", Timeframe::k1m, minute_frame(50));
  BOOST_TEST(!market.maintain(kStart).has_value());
  BOOST_TEST(!market.maintain(kStart + 599s).has_value());
  RecordingInventory inv;
  market.inventory(inv);
  BOOST_TEST(inv.containers.at("ohlcv_1m").entries == 50u);  // over its bound of 10
  auto first = market.maintain(kStart + 600s);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->candles_trimmed == 40u);
}

BOOST_AUTO_TEST_CASE(report_counts_candles_series_and_open_interest) {
  Failpoints fps;
  MarketData market(small_caps(), fps);
  market.restore_candles("BTC", Timeframe::k1m, minute_frame(13));  // 3 over
  market.restore_candles("ETH", Timeframe::k1m, minute_frame(11));  // 1 over
  market.restore_candles("ETH", Timeframe::k1h, minute_frame(3));   // at the default cap
  fps.set(Failpoint::kMarketUnboundedOpenInterest, true);
  for (int i = 0; i < 9; ++i) market.on_open_interest("BTC", px(i), kStart);
  fps.set(Failpoint::kMarketUnboundedOpenInterest, false);

  auto report = market.maintain(kStart);
  BOOST_REQUIRE(report.has_value());
  BOOST_TEST(report->candles_trimmed == 4u);
  BOOST_TEST(report->series_trimmed == 2u);
  BOOST_TEST(report->open_interest_trimmed == 4u);
  BOOST_TEST(report->candles_after == 23u);
  BOOST_TEST(report->open_interest_after == 5u);

  // A lowered cap takes effect at the next cleanup.
  market.set_max_candles(Timeframe::k1m, 4);
  market.on_tick("BTC", px(1), px(1), kStart + 1h);
  BOOST_TEST(market.candle_count("BTC", Timeframe::k1m) == 10u);
  auto next = market.maintain(kStart + 600s);
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST(next->candles_trimmed == 12u);
  BOOST_TEST(market.cleanup_history().size() == 2u);

  RecordingInventory inv;
  market.inventory(inv);
  BOOST_TEST(inv.counters.at("cleanup_runs").first == 2u);
  BOOST_TEST(inv.counters.at("candles_trimmed").first == 16u);
  BOOST_TEST(inv.counters.at("open_interest_trimmed").first == 4u);
}

BOOST_AUTO_TEST_SUITE_END()

// A symbol that stops trading (delisted) must not keep its candles, open
// interest and last price forever: cleanup drops it once idle past the TTL.
BOOST_AUTO_TEST_CASE(cleanup_drops_a_symbol_idle_past_its_ttl_and_keeps_the_active_ones) {
  Failpoints failpoints;
  MarketDataOptions options = small_caps();
  options.cleanup_interval = 10min;
  options.idle_symbol_ttl = 30min;
  MarketData market(options, failpoints);
  market.on_tick("GONE", px(5), px(1), kStart);
  market.on_open_interest("GONE", px(7), kStart);
  market.insert_candles("GONE", Timeframe::k1m, minute_frame(3, kStart - 3min));
  for (int minute = 0; minute <= 60; minute += 5) {
    market.on_tick("LIVE", px(9), px(1), kStart + std::chrono::minutes(minute));
  }
  BOOST_REQUIRE(market.maintain(kStart).has_value());  // the frame counts as activity at this cleanup

  BOOST_REQUIRE(market.maintain(kStart + 30min).has_value());  // exactly the TTL: still kept
  BOOST_TEST(market.last_price("GONE").has_value());
  plateau::engine::testing::RecordingAudit held;
  market.audit(held);
  BOOST_TEST(held.keys["symbols"].size() == 2u);

  const auto report = market.cleanup(kStart + 31min);
  BOOST_TEST(report.idle_symbols_dropped == 1u);
  BOOST_TEST(!market.last_price("GONE").has_value());
  BOOST_TEST(market.candle_count("GONE", Timeframe::k1m) == 0u);
  BOOST_TEST(market.open_interest("GONE", 10).empty());
  BOOST_TEST(market.last_price("LIVE").has_value());
  plateau::engine::testing::RecordingAudit after;
  market.audit(after);
  BOOST_TEST(after.keys["symbols"] == std::vector<std::string>{"LIVE"});

  // Trading again starts afresh.
  market.on_tick("GONE", px(6), px(1), kStart + 40min);
  BOOST_TEST(market.last_price("GONE").value() == px(6));
}

BOOST_AUTO_TEST_CASE(idle_symbol_ttl_must_be_positive) {
  Failpoints failpoints;
  MarketDataOptions options = small_caps();
  options.idle_symbol_ttl = Duration::zero();
  BOOST_CHECK_THROW(MarketData(options, failpoints), std::invalid_argument);
}

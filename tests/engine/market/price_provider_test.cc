#define BOOST_TEST_MODULE engine_price_provider
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/market/market_data.h"
#include "engine/market/market_data_price_source.h"
#include "engine/market/price_provider.h"
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
const Symbol kBtc = "BTC";

struct Fixture {
  std::shared_ptr<FakePriceSource> primary = std::make_shared<FakePriceSource>("primary");
  std::shared_ptr<FakePriceSource> backup = std::make_shared<FakePriceSource>("backup");
  std::vector<Duration> waits;
  PriceProviderOptions options;

  PriceProvider make() {
    return PriceProvider({primary, backup}, options, [this](Duration d) { waits.push_back(d); });
  }
};

Fixed px(std::int64_t units) { return Fixed::from_int(units); }

}  // namespace

BOOST_AUTO_TEST_CASE(first_source_answers_without_touching_the_others) {
  Fixture f;
  f.primary->answer(px(100));
  f.backup->answer(px(999));
  auto provider = f.make();
  PriceResult r = provider.get(kBtc, kT0);
  BOOST_TEST(r.freshness == PriceFreshness::kFresh);
  BOOST_TEST(*r.price == px(100));
  BOOST_TEST(r.source == "primary");
  BOOST_TEST(f.backup->call_count() == 0u);
  BOOST_TEST(provider.counters().fallbacks == 0u);
}

BOOST_AUTO_TEST_CASE(falls_back_to_the_next_source_in_order) {
  Fixture f;
  f.backup->answer(px(101));
  auto provider = f.make();
  PriceResult r = provider.get(kBtc, kT0);
  BOOST_TEST(r.freshness == PriceFreshness::kFresh);
  BOOST_TEST(*r.price == px(101));
  BOOST_TEST(r.source == "backup");
  BOOST_TEST(r.attempts == 2);
  BOOST_TEST(f.primary->call_count() == 1u);
  BOOST_TEST(f.waits.empty());  // no backoff within a round
  BOOST_TEST(provider.counters().fallbacks == 1u);
  BOOST_TEST(provider.counters().fetch_failures == 1u);
}

BOOST_AUTO_TEST_CASE(retries_with_doubling_virtual_backoff) {
  Fixture f;
  int round = 0;
  f.primary->set_rule([&](const Symbol&, TimePoint) {
    return ++round == 3 ? PriceQuote::ok(px(50)) : PriceQuote::failure("timeout");
  });
  auto provider = f.make();
  PriceResult r = provider.get(kBtc, kT0);
  BOOST_TEST(r.freshness == PriceFreshness::kFresh);
  BOOST_TEST(*r.price == px(50));
  BOOST_TEST((f.waits == std::vector<Duration>{100ms, 200ms}));
  BOOST_TEST((r.backoff_waited == 300ms));
  BOOST_TEST(r.attempts == 5);  // primary, backup, primary, backup, primary
  // Each attempt happens at the caller's now plus the backoff waited so far.
  auto calls = f.primary->calls();
  BOOST_REQUIRE(calls.size() == 3u);
  BOOST_TEST((calls[0].second == kT0));
  BOOST_TEST((calls[1].second == kT0 + 100ms));
  BOOST_TEST((calls[2].second == kT0 + 300ms));
  BOOST_TEST(provider.counters().retries == 2u);
  BOOST_TEST((provider.counters().backoff_total == 300ms));
}

BOOST_AUTO_TEST_CASE(gives_up_after_max_attempts_with_capped_backoff) {
  Fixture f;
  f.options.initial_backoff = 1s;
  f.options.max_backoff = 3s;
  auto provider = f.make();
  PriceResult r = provider.get(kBtc, kT0);
  BOOST_TEST(r.freshness == PriceFreshness::kUnavailable);
  BOOST_TEST(!r.has_price());
  BOOST_TEST(r.attempts == 10);
  BOOST_TEST((f.waits == std::vector<Duration>{1s, 2s, 3s, 3s}));
  BOOST_TEST(r.error == "backup down");
  BOOST_TEST(provider.counters().unavailable == 1u);
}

BOOST_AUTO_TEST_CASE(good_prices_are_cached_for_the_ttl) {
  Fixture f;
  f.primary->answer(px(100));
  auto provider = f.make();
  provider.get(kBtc, kT0);
  f.primary->answer(px(200));
  PriceResult cached = provider.get(kBtc, kT0 + 30s);
  BOOST_TEST(cached.freshness == PriceFreshness::kCached);
  BOOST_TEST(*cached.price == px(100));
  BOOST_TEST((cached.age == 30s));
  BOOST_TEST(f.primary->call_count() == 1u);
  PriceResult refreshed = provider.get(kBtc, kT0 + 31s);
  BOOST_TEST(refreshed.freshness == PriceFreshness::kFresh);
  BOOST_TEST(*refreshed.price == px(200));
  BOOST_TEST(provider.counters().cache_hits == 1u);
}

BOOST_AUTO_TEST_CASE(stale_fallback_up_to_max_staleness) {
  Fixture f;
  f.options.max_staleness = 300s;
  f.primary->answer(px(100));
  auto provider = f.make();
  provider.get(kBtc, kT0);
  f.primary->fail();
  PriceResult stale = provider.get(kBtc, kT0 + 60s);
  BOOST_TEST(stale.freshness == PriceFreshness::kStale);
  BOOST_TEST(*stale.price == px(100));
  BOOST_TEST((stale.age == 60s + 1500ms));  // 100+200+400+800 ms of backoff
  BOOST_TEST(!stale.fetch_succeeded());
  BOOST_TEST(provider.counters().stale_served == 1u);

  PriceResult too_old = provider.get(kBtc, kT0 + 299s);  // 299 s + 1.5 s backoff > 300 s
  BOOST_TEST(too_old.freshness == PriceFreshness::kUnavailable);
  BOOST_TEST(!too_old.has_price());
}

BOOST_AUTO_TEST_CASE(never_throws_to_the_caller) {
  Fixture f;
  f.primary->set_rule(
      [](const Symbol&, TimePoint) -> PriceQuote { throw std::runtime_error("socket closed"); });
  f.backup->set_rule([](const Symbol&, TimePoint) -> PriceQuote { throw 42; });
  PriceProvider provider({f.primary, f.backup}, f.options,
                         [](Duration) { throw std::runtime_error("interrupted"); });
  PriceResult r;
  BOOST_CHECK_NO_THROW(r = provider.get(kBtc, kT0));
  BOOST_TEST(r.freshness == PriceFreshness::kUnavailable);
  BOOST_TEST(r.attempts == 10);
  BOOST_TEST(r.error.find("threw") != std::string::npos);

  int calls = 0;
  f.primary->set_rule([&](const Symbol&, TimePoint) -> PriceQuote {
    if (++calls == 1) throw std::runtime_error("flaky");
    return PriceQuote::ok(px(7));
  });
  r = provider.get(kBtc, kT0);
  BOOST_TEST(r.freshness == PriceFreshness::kFresh);
  BOOST_TEST(*r.price == px(7));
}

BOOST_AUTO_TEST_CASE(cache_is_bounded_and_maintain_drops_unservable_entries) {
  Fixture f;
  f.options.max_cached_symbols = 3;
  f.options.max_staleness = 300s;
  f.primary->answer(px(1));
  auto provider = f.make();
  for (int i = 0; i < 5; ++i) provider.get("S" + std::to_string(i), kT0 + i * 1s);
  BOOST_TEST(provider.cached_symbols() == 3u);
  BOOST_TEST(provider.counters().evictions == 2u);

  RecordingInventory inv;
  provider.inventory(inv);
  BOOST_TEST(inv.containers.at("price_cache").entries == 3u);
  BOOST_TEST(*inv.containers.at("price_cache").bound_entries == 3u);
  RecordingAudit audit;
  provider.audit(audit);
  auto held = audit.keys.at("price_cache");
  std::sort(held.begin(), held.end());
  BOOST_TEST((held == std::vector<std::string>{"S2", "S3", "S4"}));  // the oldest went first
  BOOST_TEST((audit.kinds.at("price_cache") == EntityKind::kCacheEntry));

  BOOST_TEST(provider.maintain(kT0 + 300s) == 0u);
  BOOST_TEST(provider.maintain(kT0 + 303500ms) == 2u);  // S2 and S3 are past 300 s
  BOOST_TEST(provider.cached_symbols() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_configuration_is_refused) {
  PriceProviderOptions options;
  BOOST_CHECK_THROW(PriceProvider({}, options), std::invalid_argument);
  BOOST_CHECK_THROW(PriceProvider({nullptr}, options), std::invalid_argument);
  options.max_attempts = 0;
  BOOST_CHECK_THROW(PriceProvider({std::make_shared<FakePriceSource>("a")}, options), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(market_data_ticks_serve_as_a_source_until_they_age) {
  Failpoints fps;
  MarketData market(MarketDataOptions{}, fps);
  auto ticks = std::make_shared<MarketDataPriceSource>(market, 10s);
  auto exchange = std::make_shared<FakePriceSource>("exchange");
  exchange->answer(px(200));
  PriceProviderOptions options;
  options.cache_ttl = Duration::zero();
  PriceProvider provider({ticks, exchange}, options);
  market.on_tick(kBtc, px(100), px(1), kT0);
  PriceResult from_ticks = provider.get(kBtc, kT0 + 5s);
  BOOST_TEST(*from_ticks.price == px(100));
  BOOST_TEST(from_ticks.source == "market_data");
  PriceResult aged = provider.get(kBtc, kT0 + 11s);  // the feed froze: fall through
  BOOST_TEST(*aged.price == px(200));
  BOOST_TEST(aged.source == "exchange");
  BOOST_TEST(aged.attempts == 2);
}

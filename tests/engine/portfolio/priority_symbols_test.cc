#include <boost/test/unit_test.hpp>

#include "engine/portfolio/portfolio.h"
#include "engine/portfolio/priority_symbols.h"
#include "tests/engine/portfolio/test_support.h"

using namespace plateau::engine;
using plateau::engine::testing::at_seconds;
using plateau::engine::testing::RecordingInventory;

namespace {
Fixed fx(const char* text) { return *Fixed::parse(text); }
constexpr auto kMs = std::chrono::milliseconds(1);
}  // namespace

BOOST_AUTO_TEST_SUITE(priority_symbols)

BOOST_AUTO_TEST_CASE(cache_serves_until_the_ttl_then_refreshes) {
  Portfolio portfolio;
  PrioritySymbols priority(portfolio);  // ttl 1 s, no invalidation wired
  const TimePoint t0 = at_seconds(100);
  BOOST_TEST(!priority.is_priority("BTC", t0));

  portfolio.apply_fill("BTC", Side::kBuy, fx("1"), fx("100"), t0);
  // Within the TTL the cached (empty) answer stands: this is the cache working.
  BOOST_TEST(!priority.is_priority("BTC", t0 + 999 * kMs));
  BOOST_TEST(priority.refreshes() == 1u);
  // At the TTL it refreshes and sees the new position.
  BOOST_TEST(priority.is_priority("BTC", t0 + 1000 * kMs));
  BOOST_TEST(priority.refreshes() == 2u);

  portfolio.close("BTC");
  BOOST_TEST(priority.is_priority("BTC", t0 + 1500 * kMs));
  BOOST_TEST(!priority.is_priority("BTC", t0 + 2000 * kMs));
}

BOOST_AUTO_TEST_CASE(fills_and_exits_invalidate_through_the_portfolio_listener) {
  Portfolio portfolio;
  PrioritySymbols priority(portfolio);
  portfolio.set_change_listener([&](const Symbol&) { priority.invalidate(); });
  const TimePoint t0 = at_seconds(100);
  BOOST_TEST(!priority.is_priority("ETH", t0));

  portfolio.apply_fill("ETH", Side::kBuy, fx("1"), fx("10"), t0 + kMs);
  // Same instant, well inside the TTL: a fresh buy is a priority at once.
  BOOST_TEST(priority.is_priority("ETH", t0 + kMs));
  BOOST_TEST(priority.symbols(t0 + kMs) == (std::vector<Symbol>{"ETH"}));

  portfolio.close("ETH");
  BOOST_TEST(!priority.is_priority("ETH", t0 + 2 * kMs));
  BOOST_TEST(priority.invalidations() == 2u);
}

BOOST_AUTO_TEST_CASE(invalidate_empties_the_cache_and_inventory_reports_it) {
  Portfolio portfolio;
  PrioritySymbols priority(portfolio);
  portfolio.apply_fill("A", Side::kBuy, fx("1"), fx("1"), at_seconds(1));
  portfolio.apply_fill("B", Side::kBuy, fx("1"), fx("1"), at_seconds(1));
  BOOST_TEST(priority.is_priority("A", at_seconds(1)));

  RecordingInventory full;
  priority.inventory(full);
  BOOST_TEST(full.entries("cached_symbols") == 2u);

  priority.invalidate();
  RecordingInventory emptied;
  priority.inventory(emptied);
  BOOST_TEST(emptied.entries("cached_symbols") == 0u);
  BOOST_TEST(emptied.counter_value("invalidations") == 1u);
}

BOOST_AUTO_TEST_CASE(negative_ttl_is_refused) {
  Portfolio portfolio;
  BOOST_CHECK_THROW(PrioritySymbols(portfolio, PrioritySymbolsOptions{-std::chrono::seconds(1)}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(audit_lists_the_cached_symbols_and_a_closed_symbol_leaves_with_its_position) {
  Portfolio portfolio;
  PrioritySymbols priority(portfolio);
  portfolio.set_change_listener([&](const Symbol&) { priority.invalidate(); });
  const TimePoint t0 = at_seconds(100);
  portfolio.apply_fill("BTC", Side::kBuy, fx("1"), fx("100"), t0);
  portfolio.apply_fill("ETH", Side::kBuy, fx("1"), fx("10"), t0);
  BOOST_TEST(priority.is_priority("BTC", t0));
  plateau::engine::testing::RecordingAudit before;
  priority.audit(before);
  BOOST_TEST(before.keys("cached_symbols") == (std::set<std::string>{"BTC", "ETH"}));

  portfolio.close("ETH");  // e.g. the symbol was delisted and its position exited
  BOOST_TEST(!priority.is_priority("ETH", t0));
  plateau::engine::testing::RecordingAudit after;
  priority.audit(after);
  BOOST_TEST(after.keys("cached_symbols") == (std::set<std::string>{"BTC"}));
}

BOOST_AUTO_TEST_SUITE_END()

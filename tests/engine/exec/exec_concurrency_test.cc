#define BOOST_TEST_MODULE engine_exec_concurrency
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/exec/exit_manager.h"
#include "engine/exec/order_router.h"
#include "engine/exec/portfolio_fills.h"
#include "engine/portfolio/portfolio.h"
#include "tests/engine/exec/fake_venues.h"
#include "tests/engine/portfolio/test_support.h"

using namespace plateau::engine;
using plateau::engine::testing::at_seconds;
using plateau::engine::testing::GateVenue;

namespace {

Fixed fx(const char* text) { return *Fixed::parse(text); }

const std::vector<Symbol> kSymbols{"BTC", "ETH", "SOL", "ADA", "XRP", "DOT"};

// A thread-safe venue that keeps its own count of callers per symbol, a
// witness independent of the ExitManager, and fails every `fail_every`-th call
// (alternating between refusing and throwing) when fail_every > 0.
class WitnessVenue final : public ExitVenue {
 public:
  explicit WitnessVenue(int fail_every) : fail_every_(fail_every) {}

  ExitVenueResult submit_exit(const ExitOrder& order, TimePoint) override {
    {
      std::lock_guard lock(mu_);
      if (inside_[order.symbol]++ > 0) ++overlaps_;
    }
    std::this_thread::yield();  // widen the window in which a second exit could slip in
    const int call = calls_.fetch_add(1) + 1;
    {
      std::lock_guard lock(mu_);
      --inside_[order.symbol];
    }
    if (fail_every_ > 0 && call % fail_every_ == 0) {
      if ((call / fail_every_) % 2 == 0) throw std::runtime_error("injected venue exception");
      return {false, std::nullopt, "injected refusal"};
    }
    return {true, "exit-" + order.symbol + "-" + std::to_string(call), {}};
  }
  int overlaps() {
    std::lock_guard lock(mu_);
    return overlaps_;
  }

 private:
  const int fail_every_;
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::map<Symbol, int> inside_;
  int overlaps_ = 0;
};

void open_all(Portfolio& portfolio, TimePoint now) {
  for (const auto& symbol : kSymbols) portfolio.apply_fill(symbol, Side::kBuy, fx("1"), fx("10"), now);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(exit_dedup)

BOOST_AUTO_TEST_CASE(racing_exits_with_held_venue_let_exactly_one_per_symbol_through) {
  Failpoints failpoints;
  Portfolio portfolio;
  GateVenue venue;
  ExitManager exits(failpoints, venue, portfolio);
  open_all(portfolio, at_seconds(1));

  // Four racers per symbol, each making one attempt, all released at once.
  const int symbols = static_cast<int>(kSymbols.size());
  const int racers = 4 * symbols;
  std::atomic<int> finished{0};
  std::atomic<int> successes{0};
  std::atomic<int> in_progress{0};
  std::atomic<int> other{0};
  std::latch start(racers);
  std::vector<std::thread> threads;
  for (int t = 0; t < racers; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      const Symbol& symbol = kSymbols[static_cast<std::size_t>(t % symbols)];
      ExitResult result = exits.execute_exit({symbol, std::nullopt, "close_storm"}, at_seconds(2));
      if (result.success) {
        ++successes;
      } else if (result.reason == "exit_already_in_progress") {
        ++in_progress;
      } else {
        ++other;
      }
      ++finished;
    });
  }
  // One exit per symbol is held inside the venue; every other attempt must
  // come back without waiting for it.
  // (The deadline only keeps a broken registry from hanging the test: then
  // the extra racers sit in the venue and never finish.)
  venue.wait_until_inside(symbols);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (finished.load() < racers - symbols && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  BOOST_TEST(in_progress.load() == racers - symbols);
  BOOST_TEST(exits.pending_count() == kSymbols.size());

  venue.release();
  for (auto& thread : threads) thread.join();
  BOOST_TEST(successes.load() == symbols);
  BOOST_TEST(other.load() == 0);
  BOOST_TEST(venue.calls() == symbols);
  BOOST_TEST(exits.duplicate_exits() == 0u);
  BOOST_TEST(exits.exits_deduplicated() == static_cast<std::uint64_t>(racers - symbols));
  BOOST_TEST(exits.pending_count() == 0u);
  BOOST_TEST(portfolio.size() == 0u);
}

void run_close_storms(int fail_every) {
  Failpoints failpoints;
  Portfolio portfolio;
  WitnessVenue venue(fail_every);
  ExitManager exits(failpoints, venue, portfolio);

  constexpr int kThreads = 8;
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round) {
    const TimePoint now = at_seconds(10 + round);
    open_all(portfolio, now);
    std::mutex successes_mu;
    std::map<Symbol, int> successes;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (std::size_t i = 0; i < kSymbols.size(); ++i) {
          const Symbol& symbol = kSymbols[(static_cast<std::size_t>(t) + i) % kSymbols.size()];
          if (exits.execute_exit({symbol, std::nullopt, "storm"}, now).success) {
            std::lock_guard lock(successes_mu);
            ++successes[symbol];
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& [symbol, count] : successes) {
      BOOST_TEST(count == 1, "round " << round << ": " << count << " successful exits for " << symbol);
    }
    if (fail_every == 0) BOOST_TEST(successes.size() == kSymbols.size());
    BOOST_TEST(exits.pending_count() == 0u, "round " << round << ": intents left behind");
    for (const auto& [symbol, count] : successes) {
      BOOST_TEST(!portfolio.holds(symbol));
    }
    // Start the next round from a clean book.
    for (const auto& symbol : kSymbols) portfolio.close(symbol);
  }
  BOOST_TEST(venue.overlaps() == 0);
  BOOST_TEST(exits.duplicate_exits() == 0u);
}

BOOST_AUTO_TEST_CASE(close_storms_never_overlap_exits_for_a_symbol) { run_close_storms(0); }

BOOST_AUTO_TEST_CASE(close_storms_with_venue_failures_leave_no_intents) { run_close_storms(3); }

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(router_concurrency)

BOOST_AUTO_TEST_CASE(concurrent_submit_update_and_purge) {
  Failpoints failpoints;
  Portfolio portfolio;
  OrderRouter router(failpoints, {}, make_portfolio_fill_handler(portfolio));
  ManualClock clock(at_seconds(1'000'000));
  router.maintain(clock.now());

  constexpr int kThreads = 6;
  constexpr int kSharedIds = 50;
  constexpr int kOwnOrders = 300;
  std::atomic<int> shared_accepted{0};
  std::atomic<int> own_refused{0};
  std::atomic<bool> done{false};
  std::latch start(kThreads);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      // Phase 1: every thread submits the same ids; each must be accepted once.
      for (int i = 0; i < kSharedIds; ++i) {
        OrderIntent shared{
            "shared-" + std::to_string(i), "BTC", Side::kBuy, fx("1"), std::nullopt, "dup", FillEffect::kAny};
        if (router.submit(shared, at_seconds(1'000'000)).accepted()) ++shared_accepted;
      }
      // Phase 2: own orders, submitted and filled in two steps, racing the purger.
      const Symbol symbol = kSymbols[static_cast<std::size_t>(t) % kSymbols.size()];
      for (int i = 0; i < kOwnOrders; ++i) {
        const OrderId id = "t" + std::to_string(t) + "-" + std::to_string(i);
        // Boost.Test assertions are not thread-safe: count, assert on the main thread.
        if (!router
                 .submit({id, symbol, Side::kBuy, fx("2"), std::nullopt, "entry", FillEffect::kAny},
                         clock.now())
                 .accepted()) {
          ++own_refused;
        }
        router.on_order_update({id, OrderState::kPartiallyFilled, fx("1"), fx("10")}, clock.now());
        router.on_order_update({id, OrderState::kFilled, fx("1"), fx("10")}, clock.now());
      }
    });
  }
  std::thread purger([&] {
    while (!done.load()) {
      clock.advance(std::chrono::seconds(60));
      router.maintain(clock.now());
      std::this_thread::yield();
    }
  });
  for (auto& thread : threads) thread.join();
  done = true;
  purger.join();

  BOOST_TEST(shared_accepted.load() == kSharedIds);
  BOOST_TEST(own_refused.load() == 0);
  BOOST_TEST(router.lost_orders() == 0u);
  Fixed total;
  for (const auto& symbol : kSymbols) {
    if (auto position = portfolio.get(symbol)) total += position->qty;
  }
  BOOST_TEST(total == Fixed::from_int(kThreads * kOwnOrders * 2));

  // Finish the shared orders; two full TTLs later nothing terminal remains.
  for (int i = 0; i < kSharedIds; ++i) {
    router.on_order_update("shared-" + std::to_string(i), OrderState::kCancelled, clock.now());
  }
  clock.advance(std::chrono::seconds(7200 + 3600 + 1));
  router.maintain(clock.now());
  clock.advance(std::chrono::seconds(3600));
  router.maintain(clock.now());
  BOOST_TEST(router.order_count() == 0u);
  BOOST_TEST(router.seen_count() == 0u);
  BOOST_TEST(router.lost_orders() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

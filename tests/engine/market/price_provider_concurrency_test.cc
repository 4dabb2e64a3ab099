#define BOOST_TEST_MODULE engine_price_provider_concurrency
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/market/price_provider.h"
#include "tests/engine/market/fake_price_source.h"

using namespace plateau::engine;
using namespace std::chrono_literals;
using plateau::engine::testing::FakePriceSource;

namespace {
const TimePoint kT0 = TimePoint{} + 1'000'000s;
}  // namespace

// Many threads asking for prices while sources flap: every answer is a
// price or a clean "unavailable", and the counters add up.
BOOST_AUTO_TEST_CASE(concurrent_requests_are_consistent) {
  auto primary = std::make_shared<FakePriceSource>("primary");
  auto backup = std::make_shared<FakePriceSource>("backup");
  std::atomic<int> calls{0};
  primary->set_rule([&](const Symbol&, TimePoint) {
    return calls.fetch_add(1) % 3 == 0 ? PriceQuote::failure("flap") : PriceQuote::ok(Fixed::from_int(5));
  });
  backup->answer(Fixed::from_int(6));
  PriceProviderOptions options;
  options.cache_ttl = 1s;
  PriceProvider provider({primary, backup}, options);
  constexpr int kThreads = 4;
  constexpr int kRequests = 2000;
  std::atomic<int> priced{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        PriceResult r =
            provider.get("S" + std::to_string(i % 7), kT0 + std::chrono::milliseconds(i * 10 + t));
        if (r.has_price()) priced.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(priced.load() == kThreads * kRequests);
  auto c = provider.counters();
  BOOST_TEST(c.requests == static_cast<std::uint64_t>(kThreads * kRequests));
  BOOST_TEST(c.cache_hits + c.fetches - c.fetch_failures == c.requests);
  BOOST_TEST(provider.cached_symbols() == 7u);
}

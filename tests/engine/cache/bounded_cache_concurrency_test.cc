#define BOOST_TEST_MODULE engine_cache_concurrency
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "engine/cache/bounded_cache.h"
#include "engine/core/failpoints.h"

using namespace std::chrono_literals;
using plateau::engine::BoundedCache;
using plateau::engine::BoundedCacheOptions;
using plateau::engine::Failpoints;
using plateau::engine::TimePoint;

BOOST_AUTO_TEST_SUITE(bounded_cache_concurrency)

// Mixed traffic from several threads with time moving: the bounds hold and
// every removal is accounted for.
BOOST_AUTO_TEST_CASE(bounds_hold_under_concurrent_mixed_traffic) {
  Failpoints fp;
  BoundedCacheOptions options{.capacity = 500, .default_ttl = 2s, .max_ttl = 2s, .sweep_interval = 1s,
                              .max_bytes = 64 * 1024};
  BoundedCache<std::uint64_t, std::uint64_t> cache(options, fp, "test", "concurrent");
  constexpr int kThreads = 4;
  constexpr int kOps = 40'000;
  std::atomic<std::int64_t> clock_ms{0};
  std::atomic<std::uint64_t> puts{0};
  std::atomic<std::uint64_t> over_capacity{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::uint64_t x = 88172645463325252ull + static_cast<std::uint64_t>(t);
      for (int i = 0; i < kOps; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const TimePoint now = TimePoint{} + std::chrono::milliseconds(clock_ms.fetch_add(1) / 8);
        const std::uint64_t key = x % 2000;
        switch (x % 4) {
          case 0:
          case 1:
            cache.put(key, x, now);
            puts.fetch_add(1);
            break;
          case 2: cache.get(key, now); break;
          default:
            if (i % 64 == 0) {
              cache.maintain(now);
            } else {
              cache.erase(key);
            }
        }
        if (cache.size() > options.capacity) over_capacity.fetch_add(1);  // Boost.Test asserts are not thread-safe
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const TimePoint end = TimePoint{} + std::chrono::milliseconds(clock_ms.load() / 8);
  BOOST_TEST(over_capacity.load() == 0u);
  const auto stats = cache.stats(end);
  BOOST_TEST(stats.size <= options.capacity);
  BOOST_TEST(stats.approx_bytes <= options.max_bytes);
  BOOST_TEST(stats.hits + stats.misses > 0u);
  cache.sweep(end + 3s);
  BOOST_TEST(cache.size() == 0u);
  BOOST_TEST(cache.stats(end + 3s).approx_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(insert_if_absent_admits_one_writer_per_key) {
  Failpoints fp;
  BoundedCache<std::uint64_t, int> cache(BoundedCacheOptions{.capacity = 10'000}, fp, "test", "dedup");
  constexpr int kThreads = 4;
  constexpr std::uint64_t kKeys = 5'000;
  std::atomic<std::uint64_t> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::uint64_t key = 0; key < kKeys; ++key) {
        if (cache.insert_if_absent(key, 1, TimePoint{})) admitted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(admitted.load() == kKeys);
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE engine_cache
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/cache/bounded_cache.h"
#include "engine/core/failpoints.h"
#include "tests/engine/cache/recording_sinks.h"

using namespace std::chrono_literals;
using plateau::engine::BoundedCache;
using plateau::engine::BoundedCacheOptions;
using plateau::engine::Duration;
using plateau::engine::EntityKind;
using plateau::engine::Failpoint;
using plateau::engine::Failpoints;
using plateau::engine::TimePoint;
using plateau::engine::testing::RecordingAuditSink;
using plateau::engine::testing::RecordingInventorySink;

namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(24 * 365 * 50);

using StringCache = BoundedCache<std::string, std::string>;

BoundedCacheOptions small_options() {
  return BoundedCacheOptions{.capacity = 3, .default_ttl = 10s, .max_ttl = 10s, .sweep_interval = 5s};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bounded_cache)

BOOST_AUTO_TEST_CASE(evicts_least_recently_used_at_capacity) {
  Failpoints fp;
  StringCache cache(small_options(), fp, "test", "lru");
  cache.put("a", "1", kStart);
  cache.put("b", "2", kStart);
  cache.put("c", "3", kStart);
  BOOST_TEST(cache.get("a", kStart).value() == "1");  // a is now most recent; b is least
  cache.put("d", "4", kStart);
  BOOST_TEST(cache.size() == 3u);
  BOOST_TEST(!cache.contains("b", kStart));
  BOOST_TEST(cache.contains("a", kStart));
  BOOST_TEST(cache.contains("c", kStart));
  BOOST_TEST(cache.contains("d", kStart));
  cache.put("c", "33", kStart);  // replacing refreshes recency: a is least now
  cache.put("e", "5", kStart);
  BOOST_TEST(!cache.contains("a", kStart));
  BOOST_TEST(cache.get("c", kStart).value() == "33");
  BOOST_TEST(cache.stats(kStart).evictions == 2u);
}

BOOST_AUTO_TEST_CASE(ttl_is_capped_at_max_ttl) {
  Failpoints fp;
  StringCache cache(small_options(), fp, "test", "ttl");
  cache.put("long", "v", kStart, 3600s);
  BOOST_TEST(cache.get("long", kStart + 9s).has_value());
  BOOST_TEST(!cache.get("long", kStart + 10s).has_value());
  BOOST_TEST(cache.stats(kStart + 10s).expirations == 1u);
  BOOST_CHECK_THROW(cache.put("zero", "v", kStart, 0s), std::invalid_argument);
}

// The canary: with cache.uncapped_ttl the requested TTL wins, so the entry
// survives sweeps past max_ttl + sweep_interval and the audit shows it as
// older than the container's max_age. Without it, the same sequence leaves
// nothing to report.
BOOST_AUTO_TEST_CASE(uncapped_ttl_failpoint_is_caught_by_audit_max_age) {
  for (const bool failpoint_on : {false, true}) {
    Failpoints fp;
    fp.set(Failpoint::kCacheUncappedTtl, failpoint_on);
    StringCache cache(small_options(), fp, "test", "uncapped");
    cache.put("k", "v", kStart, 3600s);
    TimePoint now = kStart;
    for (int i = 0; i < 20; ++i) {
      now += 1s;
      cache.maintain(now);
    }
    RecordingAuditSink audit;
    cache.audit(audit);
    BOOST_REQUIRE(audit.keys.size() == (failpoint_on ? 1u : 0u));
    const auto residue = audit.older_than_max_age(now);
    BOOST_TEST_INFO("failpoint " << failpoint_on);
    BOOST_TEST(residue.size() == (failpoint_on ? 1u : 0u));
    if (failpoint_on) {
      BOOST_TEST((*residue[0].max_age == Duration(15s)));  // max_ttl + sweep_interval
      BOOST_TEST(residue[0].key == "k");
      BOOST_TEST((residue[0].kind == EntityKind::kCacheEntry));
    }
  }
}

BOOST_AUTO_TEST_CASE(byte_budget_triggers_aggressive_sweep_expired_first_then_lru) {
  Failpoints fp;
  const std::string payload(1000, 'x');
  BoundedCacheOptions options{.capacity = 1000, .default_ttl = 100s, .max_ttl = 100s, .max_bytes = 30'000,
                              .expiry_work_per_operation = 1};
  StringCache cache(options, fp, "test", "bytes");
  // Expired by `later`, but half a wheel rotation away from the cursor, so
  // the one unit of amortised work per operation has not reached them yet.
  for (int i = 0; i < 10; ++i) cache.put("short" + std::to_string(i), payload, kStart, 50s);
  const TimePoint later = kStart + 51s;
  int live = 0;
  while (cache.stats(later).aggressive_sweeps == 0) {
    cache.put("live" + std::to_string(live++), payload, later);
    BOOST_REQUIRE(live < 100);
  }
  auto stats = cache.stats(later);
  BOOST_TEST(stats.expirations == 10u);  // all expired entries went first...
  BOOST_TEST(stats.evictions == 0u);     // ...which was enough: no live entry lost
  for (int i = 0; i < live; ++i) BOOST_TEST(cache.contains("live" + std::to_string(i), later));

  const int before_second = live;
  while (cache.stats(later).aggressive_sweeps == 1) {
    cache.put("live" + std::to_string(live++), payload, later);
    BOOST_TEST(cache.stats(later).approx_bytes <= options.max_bytes);
    BOOST_REQUIRE(live < 200);
  }
  stats = cache.stats(later);
  BOOST_TEST(stats.evictions > 0u);
  BOOST_TEST(stats.approx_bytes <= 27'000u);  // 90% of the budget
  BOOST_TEST(!cache.contains("live0", later));                                  // least recent went
  BOOST_TEST(cache.contains("live" + std::to_string(live - 1), later));         // newest stayed
  BOOST_TEST(before_second < live);
}

BOOST_AUTO_TEST_CASE(erase_removes_at_once_and_take_returns_the_value) {
  Failpoints fp;
  StringCache cache(small_options(), fp, "test", "erase");
  cache.put("a", std::string(100, 'a'), kStart);
  cache.put("b", "2", kStart);
  const auto bytes_before = cache.stats(kStart).approx_bytes;
  BOOST_TEST(cache.erase("a"));
  BOOST_TEST(!cache.erase("a"));
  BOOST_TEST(!cache.get("a", kStart).has_value());
  BOOST_TEST(cache.stats(kStart).approx_bytes < bytes_before);
  BOOST_TEST(cache.take("b", kStart).value() == "2");
  BOOST_TEST(cache.size() == 0u);
  BOOST_TEST(cache.stats(kStart).approx_bytes == 0u);
  BOOST_TEST(cache.stats(kStart).erasures == 2u);
}

BOOST_AUTO_TEST_CASE(stats_report_hits_misses_ratio_and_oldest_age) {
  Failpoints fp;
  StringCache cache(small_options(), fp, "test", "stats");
  cache.put("old", "1", kStart);
  cache.put("new", "2", kStart + 4s);
  BOOST_TEST(cache.get("old", kStart + 5s).has_value());
  BOOST_TEST(cache.get("new", kStart + 5s).has_value());
  BOOST_TEST(cache.get("new", kStart + 5s).has_value());
  BOOST_TEST(!cache.get("none", kStart + 5s).has_value());
  const auto stats = cache.stats(kStart + 5s);
  BOOST_TEST(stats.size == 2u);
  BOOST_TEST(stats.capacity == 3u);
  BOOST_TEST(stats.hits == 3u);
  BOOST_TEST(stats.misses == 1u);
  BOOST_TEST(stats.hit_ratio == 0.75);
  BOOST_TEST((stats.oldest_entry_age == Duration(5s)));
  BOOST_TEST(stats.approx_bytes > 0u);

  RecordingInventorySink inventory;
  cache.inventory(inventory);
  const auto* report = inventory.find("stats");
  BOOST_REQUIRE(report != nullptr);
  BOOST_TEST(report->entries == 2u);
  BOOST_TEST(report->bound_entries.value() == 3u);
  BOOST_TEST(report->approx_bytes == stats.approx_bytes);
  BOOST_TEST(inventory.counter_value("test.stats.hits").value() == 3u);
}

// Each operation does a bounded amount of expiry work, yet expired entries
// go without any sweep once enough operations have run.
BOOST_AUTO_TEST_CASE(expiry_is_amortised_over_operations) {
  Failpoints fp;
  constexpr std::size_t kEntries = 5000;
  BoundedCacheOptions options{.capacity = kEntries, .default_ttl = 1s, .max_ttl = 1s,
                              .expiry_work_per_operation = 8};
  BoundedCache<std::uint64_t, std::uint64_t> cache(options, fp, "test", "amortised");
  for (std::uint64_t i = 0; i < kEntries; ++i) cache.put(i, i, kStart);
  const TimePoint later = kStart + 2s;
  BOOST_TEST(!cache.get(kEntries + 1, later).has_value());
  BOOST_TEST(cache.size() >= kEntries - options.expiry_work_per_operation);  // no O(n) pass
  std::size_t operations = 1;
  while (cache.size() > 0) {
    cache.get(kEntries + 1, later);
    BOOST_REQUIRE(++operations < 10 * kEntries);
  }
  // Every entry examined costs one unit, every wheel slot passed one more.
  BOOST_TEST(operations <= (kEntries + 1100) / options.expiry_work_per_operation + 2);
  BOOST_TEST(cache.stats(later).expirations == kEntries);
}

BOOST_AUTO_TEST_CASE(sweep_removes_exactly_the_expired_entries) {
  Failpoints fp;
  BoundedCacheOptions options{.capacity = 100, .default_ttl = 60s, .max_ttl = 60s,
                              .expiry_work_per_operation = 1};
  BoundedCache<std::uint64_t, int> cache(options, fp, "test", "sweep");
  for (std::uint64_t i = 0; i < 50; ++i) cache.put(i, 0, kStart + std::chrono::seconds(i));
  // Entry i expires at kStart + 60 s + i s.
  BOOST_TEST(cache.sweep(kStart + 60s + 9s) == 10u);
  BOOST_TEST(cache.size() == 40u);
  BOOST_TEST(!cache.contains(9, kStart + 69s));
  BOOST_TEST(cache.contains(10, kStart + 69s));
  BOOST_TEST(cache.sweep(kStart + std::chrono::hours(10)) == 40u);  // far behind: one pass over the wheel
  BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE(maintain_sweeps_at_start_then_every_interval) {
  Failpoints fp;
  StringCache cache(small_options(), fp, "test", "maintain");
  BOOST_TEST((cache.sweep_interval() == Duration(5s)));
  cache.put("a", "1", kStart, 1s);
  cache.maintain(kStart);                // first call sweeps (nothing expired yet)
  BOOST_TEST(cache.maintain(kStart + 2s) == 0u);  // not due: a stays held
  BOOST_TEST(cache.size() == 1u);
  BOOST_TEST(cache.maintain(kStart + 5s) == 1u);
  BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE(entries_written_with_an_older_now_still_expire) {
  Failpoints fp;
  BoundedCacheOptions options{.capacity = 100, .default_ttl = 10s, .max_ttl = 10s};
  BoundedCache<std::uint64_t, int> cache(options, fp, "test", "older_now");
  cache.put(1, 1, kStart + 100s);
  cache.put(2, 2, kStart, 1s);  // a caller that read the clock earlier
  BOOST_TEST(!cache.contains(2, kStart + 100s));
  BOOST_TEST(cache.sweep(kStart + 100s) == 1u);
  BOOST_TEST(cache.contains(1, kStart + 100s));
}

BOOST_AUTO_TEST_CASE(insert_if_absent_and_get_or_put_are_single_writers) {
  Failpoints fp;
  StringCache cache(small_options(), fp, "test", "dedup");
  BOOST_TEST(cache.insert_if_absent("h", "first", kStart));
  BOOST_TEST(!cache.insert_if_absent("h", "second", kStart + 1s));
  BOOST_TEST(cache.get("h", kStart + 1s).value() == "first");
  BOOST_TEST(cache.insert_if_absent("h", "third", kStart + 10s));  // expired: free again
  int made = 0;
  BOOST_TEST(cache.get_or_put("g", kStart, [&] { return std::to_string(++made); }) == "1");
  BOOST_TEST(cache.get_or_put("g", kStart, [&] { return std::to_string(++made); }) == "1");
  BOOST_TEST(made == 1);
}

BOOST_AUTO_TEST_CASE(audit_lists_keys_oldest_first_with_stored_at) {
  Failpoints fp;
  BoundedCache<std::uint64_t, int> cache(small_options(), fp, "test", "audit");
  cache.put(7, 0, kStart);
  cache.put(8, 0, kStart + 1s);
  RecordingAuditSink audit;
  cache.audit(audit, EntityKind::kPosition);
  BOOST_REQUIRE(audit.keys.size() == 2u);
  BOOST_TEST(audit.keys[0].key == "7");
  BOOST_TEST(audit.keys[1].key == "8");
  BOOST_TEST((*audit.keys[1].stored_at == kStart + 1s));
  BOOST_TEST((audit.keys[0].kind == EntityKind::kPosition));
  BOOST_TEST(audit.keys[0].component == "test");
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_naming_the_field) {
  Failpoints fp;
  BoundedCacheOptions options = small_options();
  options.capacity = 0;
  try {
    StringCache cache(options, fp, "test", "bad");
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("BoundedCacheOptions.capacity = 0") != std::string::npos);
  }
  options = small_options();
  options.max_ttl = 0s;
  BOOST_CHECK_THROW(StringCache(options, fp, "test", "bad"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

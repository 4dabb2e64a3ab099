// PriceProvider: a price for a symbol from several sources, with a TTL cache,
// retries with exponential backoff, and a stale fallback (seed 003 §2).
//
// get(symbol, now) answers in this order: a cached good price younger than
// cache_ttl (kCached); otherwise up to max_attempts rounds, each trying every
// source in order until one answers (kFresh; a later source answering after
// an earlier one failed is a fallback), with a backoff wait between rounds
// that doubles from initial_backoff up to max_backoff; if every round fails,
// the last good price if it is no older than max_staleness (kStale); else
// kUnavailable with the last error. It never throws: a source or the wait
// function that throws counts as a failed attempt. Backoff is virtual time:
// the injected `wait` is called with each delay (a no-op, a virtual clock
// advance or a real sleep, as the caller chooses), and each attempt's `now`
// is the caller's now plus the backoff waited so far.
//
// The cache holds one entry per symbol (the last good price), at most
// max_cached_symbols (the oldest is evicted first); maintain(now) drops
// entries older than max_staleness, which can no longer be served.
//
// Thread safety: every public method may be called from any thread; the
// cache is guarded by one mutex that is never held while a source is
// fetched, and the counters are atomics. Two threads missing the cache for
// one symbol may both fetch; the newer price wins.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/market/price_source.h"

namespace plateau::engine {

struct PriceProviderOptions {
  Duration cache_ttl = std::chrono::seconds(30);
  int max_attempts = 5;  // rounds over all sources, >= 1
  Duration initial_backoff = std::chrono::milliseconds(100);
  Duration max_backoff = std::chrono::seconds(10);
  Duration max_staleness = std::chrono::minutes(5);  // oldest price served as stale
  std::size_t max_cached_symbols = 10'000;
  // How often the caller runs maintain(); only widens the audit's max_age.
  Duration maintain_interval = std::chrono::seconds(60);
};

enum class PriceFreshness : std::uint8_t {
  kFresh,        // fetched by this call
  kCached,       // from the cache, younger than cache_ttl
  kStale,        // every fetch failed; last good price within max_staleness
  kUnavailable,  // no price: every fetch failed and nothing usable is cached
};
std::string_view to_string(PriceFreshness freshness) noexcept;

struct PriceResult {
  std::optional<Fixed> price;
  Duration age{};  // now (after backoff) minus when the price was fetched
  PriceFreshness freshness = PriceFreshness::kUnavailable;
  std::string source;         // the source that produced the price
  int attempts = 0;           // source fetches made by this call
  Duration backoff_waited{};  // total backoff of this call
  std::string error;          // the last fetch error, if any fetch failed

  bool has_price() const noexcept { return price.has_value(); }
  // True when the price came from a fetch or the fresh cache.
  bool fetch_succeeded() const noexcept {
    return freshness == PriceFreshness::kFresh || freshness == PriceFreshness::kCached;
  }
};

struct PriceProviderCounters {
  std::uint64_t requests = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t fetches = 0;         // source fetch attempts
  std::uint64_t fetch_failures = 0;  // attempts that failed or threw
  std::uint64_t fallbacks = 0;       // answered by a source after an earlier one failed
  std::uint64_t retries = 0;         // rounds after the first
  std::uint64_t stale_served = 0;
  std::uint64_t unavailable = 0;
  std::uint64_t evictions = 0;  // cache entries dropped (capacity or staleness)
  Duration backoff_total{};
};

class PriceProvider {
 public:
  using WaitFn = std::function<void(Duration)>;

  // Throws std::invalid_argument naming the field if there is no source, a
  // source is null, max_attempts < 1, a duration is negative, or
  // max_cached_symbols is 0. An empty `wait` waits for nothing.
  PriceProvider(std::vector<std::shared_ptr<PriceSource>> sources, PriceProviderOptions options,
                WaitFn wait = {});
  PriceProvider(const PriceProvider&) = delete;
  PriceProvider& operator=(const PriceProvider&) = delete;

  PriceResult get(const Symbol& symbol, TimePoint now) noexcept;

  // One attempt at the primary source: no cache, no retry, no fallback —
  // price fetching as it was before seed 003's fix. Only the failpoint
  // paper.no_price_fallback uses it; a failure comes back kUnavailable.
  PriceResult fetch_direct(const Symbol& symbol, TimePoint now) noexcept;

  // Drops cache entries older than max_staleness; returns how many.
  std::size_t maintain(TimePoint now);

  PriceProviderCounters counters() const noexcept;
  std::size_t cached_symbols() const;
  const PriceProviderOptions& options() const noexcept { return options_; }

  // Container "price_cache" (bound max_cached_symbols) and the counters.
  void inventory(InventorySink& sink) const;
  // Container "price_cache", kCacheEntry, max_age = max_staleness + maintain_interval.
  void audit(AuditSink& sink) const;

 private:
  struct CachedPrice {
    Fixed price;
    TimePoint fetched_at{};
    std::string source;
  };

  std::optional<CachedPrice> cached(const Symbol& symbol) const;
  void store(const Symbol& symbol, Fixed price, TimePoint fetched_at, std::string_view source);

  const std::vector<std::shared_ptr<PriceSource>> sources_;
  const PriceProviderOptions options_;
  const WaitFn wait_;

  mutable Mutex mu_;
  std::unordered_map<Symbol, CachedPrice> cache_ GUARDED_BY(mu_);

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::atomic<std::uint64_t> fetches_{0};
  std::atomic<std::uint64_t> fetch_failures_{0};
  std::atomic<std::uint64_t> fallbacks_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> stale_served_{0};
  std::atomic<std::uint64_t> unavailable_{0};
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::int64_t> backoff_total_nanos_{0};
};

}  // namespace plateau::engine

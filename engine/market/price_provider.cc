#include "engine/core/mutex.h"
#include "engine/market/price_provider.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

namespace plateau::engine {
namespace {

constexpr std::string_view kComponent = "market";
constexpr std::string_view kCacheContainer = "price_cache";

// One fetch from one source; a throw becomes a failed quote naming the source.
PriceQuote fetch_quote(PriceSource& source, const Symbol& symbol, TimePoint at) {
  try {
    return source.fetch(symbol, at);
  } catch (const std::exception& e) {
    return PriceQuote::failure(std::string(source.name()) + " threw: " + e.what());
  } catch (...) {
    return PriceQuote::failure(std::string(source.name()) + " threw a non-exception");
  }
}

void validate(const std::vector<std::shared_ptr<PriceSource>>& sources, const PriceProviderOptions& options) {
  if (sources.empty()) throw std::invalid_argument("PriceProvider: sources is empty; need at least one");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i]) {
      throw std::invalid_argument("PriceProvider: sources[" + std::to_string(i) + "] is null");
    }
  }
  if (options.max_attempts < 1) {
    throw std::invalid_argument("PriceProviderOptions.max_attempts is " +
                                std::to_string(options.max_attempts) + "; must be >= 1");
  }
  auto non_negative = [](Duration d, const char* field) {
    if (d < Duration::zero()) {
      throw std::invalid_argument(std::string("PriceProviderOptions.") + field + " is " +
                                  std::to_string(to_seconds(d)) + " s; must not be negative");
    }
  };
  non_negative(options.cache_ttl, "cache_ttl");
  non_negative(options.initial_backoff, "initial_backoff");
  non_negative(options.max_backoff, "max_backoff");
  non_negative(options.max_staleness, "max_staleness");
  non_negative(options.maintain_interval, "maintain_interval");
  if (options.max_cached_symbols == 0) {
    throw std::invalid_argument("PriceProviderOptions.max_cached_symbols is 0; must be >= 1");
  }
}

}  // namespace

std::string_view to_string(PriceFreshness freshness) noexcept {
  switch (freshness) {
    case PriceFreshness::kFresh:
      return "fresh";
    case PriceFreshness::kCached:
      return "cached";
    case PriceFreshness::kStale:
      return "stale";
    case PriceFreshness::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

PriceProvider::PriceProvider(std::vector<std::shared_ptr<PriceSource>> sources, PriceProviderOptions options,
                             WaitFn wait)
    : sources_((validate(sources, options), std::move(sources))), options_(options), wait_(std::move(wait)) {}

std::optional<PriceProvider::CachedPrice> PriceProvider::cached(const Symbol& symbol) const {
  MutexLock lock(mu_);
  auto it = cache_.find(symbol);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

void PriceProvider::store(const Symbol& symbol, Fixed price, TimePoint fetched_at, std::string_view source) {
  MutexLock lock(mu_);
  auto it = cache_.find(symbol);
  if (it != cache_.end()) {
    // A slower concurrent fetch must not overwrite a newer price.
    if (it->second.fetched_at <= fetched_at) {
      it->second = CachedPrice{price, fetched_at, std::string(source)};
    }
    return;
  }
  if (cache_.size() >= options_.max_cached_symbols) {
    // Rare (the symbol universe is bounded); a linear scan keeps the common
    // path a single hash lookup.
    auto oldest = std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
      return a.second.fetched_at < b.second.fetched_at;
    });
    cache_.erase(oldest);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  cache_.emplace(symbol, CachedPrice{price, fetched_at, std::string(source)});
}

PriceResult PriceProvider::get(const Symbol& symbol, TimePoint now) noexcept {
  PriceResult result;
  try {
    requests_.fetch_add(1, std::memory_order_relaxed);
    std::optional<CachedPrice> last_good = cached(symbol);
    if (last_good && now - last_good->fetched_at <= options_.cache_ttl && last_good->fetched_at <= now) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      result.price = last_good->price;
      result.age = now - last_good->fetched_at;
      result.freshness = PriceFreshness::kCached;
      result.source = last_good->source;
      return result;
    }

    Duration backoff = options_.initial_backoff;
    for (int round = 0; round < options_.max_attempts; ++round) {
      if (round > 0) {
        retries_.fetch_add(1, std::memory_order_relaxed);
        try {
          if (wait_) wait_(backoff);
        } catch (...) {
          // A wait that fails (e.g. interrupted) still counts as waited; the
          // retry goes ahead rather than failing the caller.
        }
        result.backoff_waited += backoff;
        backoff_total_nanos_.fetch_add(backoff.count(), std::memory_order_relaxed);
        backoff = std::min(backoff * 2, options_.max_backoff);
      }
      const TimePoint attempt_at = now + result.backoff_waited;
      for (std::size_t i = 0; i < sources_.size(); ++i) {
        PriceSource& source = *sources_[i];
        ++result.attempts;
        fetches_.fetch_add(1, std::memory_order_relaxed);
        const PriceQuote quote = fetch_quote(source, symbol, attempt_at);
        if (quote.is_ok()) {
          if (i > 0 || round > 0) fallbacks_.fetch_add(1, std::memory_order_relaxed);
          store(symbol, *quote.price, attempt_at, source.name());
          result.price = quote.price;
          result.age = Duration::zero();
          result.freshness = PriceFreshness::kFresh;
          result.source = std::string(source.name());
          return result;
        }
        fetch_failures_.fetch_add(1, std::memory_order_relaxed);
        result.error = quote.error.empty() ? std::string(source.name()) + " failed" : quote.error;
      }
    }

    const TimePoint gave_up_at = now + result.backoff_waited;
    last_good = cached(symbol);  // another thread may have fetched meanwhile
    if (last_good && gave_up_at - last_good->fetched_at <= options_.max_staleness) {
      stale_served_.fetch_add(1, std::memory_order_relaxed);
      result.price = last_good->price;
      result.age = gave_up_at - last_good->fetched_at;
      result.freshness = PriceFreshness::kStale;
      result.source = last_good->source;
      return result;
    }
    unavailable_.fetch_add(1, std::memory_order_relaxed);
    result.freshness = PriceFreshness::kUnavailable;
    if (last_good) result.age = gave_up_at - last_good->fetched_at;
    return result;
  } catch (...) {
    // Only allocation failure can get here; the caller still gets a value.
    unavailable_.fetch_add(1, std::memory_order_relaxed);
    result.price.reset();
    result.freshness = PriceFreshness::kUnavailable;
    return result;
  }
}

PriceResult PriceProvider::fetch_direct(const Symbol& symbol, TimePoint now) noexcept {
  PriceResult result;
  result.freshness = PriceFreshness::kUnavailable;
  try {
    requests_.fetch_add(1, std::memory_order_relaxed);
    fetches_.fetch_add(1, std::memory_order_relaxed);
    PriceSource& primary = *sources_.front();
    result.attempts = 1;
    const PriceQuote quote = fetch_quote(primary, symbol, now);
    if (quote.is_ok()) {
      result.price = quote.price;
      result.age = Duration::zero();
      result.freshness = PriceFreshness::kFresh;
      result.source = std::string(primary.name());
      return result;
    }
    fetch_failures_.fetch_add(1, std::memory_order_relaxed);
    result.error = quote.error.empty() ? std::string(primary.name()) + " failed" : quote.error;
  } catch (...) {
    result.price.reset();
  }
  return result;
}

std::size_t PriceProvider::maintain(TimePoint now) {
  MutexLock lock(mu_);
  std::size_t dropped = std::erase_if(
      cache_, [&](const auto& entry) { return now - entry.second.fetched_at > options_.max_staleness; });
  evictions_.fetch_add(dropped, std::memory_order_relaxed);
  return dropped;
}

PriceProviderCounters PriceProvider::counters() const noexcept {
  PriceProviderCounters c;
  c.requests = requests_.load(std::memory_order_relaxed);
  c.cache_hits = cache_hits_.load(std::memory_order_relaxed);
  c.fetches = fetches_.load(std::memory_order_relaxed);
  c.fetch_failures = fetch_failures_.load(std::memory_order_relaxed);
  c.fallbacks = fallbacks_.load(std::memory_order_relaxed);
  c.retries = retries_.load(std::memory_order_relaxed);
  c.stale_served = stale_served_.load(std::memory_order_relaxed);
  c.unavailable = unavailable_.load(std::memory_order_relaxed);
  c.evictions = evictions_.load(std::memory_order_relaxed);
  c.backoff_total = Duration{backoff_total_nanos_.load(std::memory_order_relaxed)};
  return c;
}

std::size_t PriceProvider::cached_symbols() const {
  MutexLock lock(mu_);
  return cache_.size();
}

void PriceProvider::inventory(InventorySink& sink) const {
  {
    MutexLock lock(mu_);
    std::size_t bytes = 0;
    for (const auto& [symbol, entry] : cache_) {
      bytes += sizeof(Symbol) + sizeof(CachedPrice) + kHashNodeOverhead + approx_heap_bytes(symbol) +
               approx_heap_bytes(entry.source);
    }
    sink.container(
        ContainerReport{kComponent, kCacheContainer, cache_.size(), bytes, options_.max_cached_symbols});
  }
  const PriceProviderCounters c = counters();
  auto health = [&](std::string_view name, std::uint64_t value) {
    sink.counter(CounterReport{kComponent, name, value, CounterKind::kHealth});
  };
  health("price_requests", c.requests);
  health("price_cache_hits", c.cache_hits);
  health("price_fetches", c.fetches);
  health("price_fetch_failures", c.fetch_failures);
  health("price_fallbacks", c.fallbacks);
  health("price_retries", c.retries);
  health("price_stale_served", c.stale_served);
  health("price_unavailable", c.unavailable);
  health("price_cache_evictions", c.evictions);
  health("price_backoff_total_ms",
         static_cast<std::uint64_t>(
             std::chrono::duration_cast<std::chrono::milliseconds>(c.backoff_total).count()));
}

void PriceProvider::audit(AuditSink& sink) const {
  const AuditContainer container{kComponent, kCacheContainer, EntityKind::kCacheEntry,
                                 options_.max_staleness + options_.maintain_interval};
  MutexLock lock(mu_);
  for (const auto& [symbol, entry] : cache_) sink.held(container, symbol, entry.fetched_at);
}

}  // namespace plateau::engine

#include "harness/simulated_price_source.h"

#include <utility>

#include "harness/rng.h"

namespace plateau::harness {

SimulatedPriceSource::SimulatedPriceSource(std::string name, const PriceWalk& walk, std::uint64_t seed,
                                           double failure_share, engine::Duration latency)
    : name_(std::move(name)), walk_(walk), seed_(seed), failure_share_(failure_share), latency_(latency) {}

engine::PriceQuote SimulatedPriceSource::fetch(const engine::Symbol& symbol, engine::TimePoint now) {
  fetches_.fetch_add(1, std::memory_order_relaxed);
  latency_total_nanos_.fetch_add(latency_.count(), std::memory_order_relaxed);
  // Stateless draw: hash the attempt's identity into a uniform number.
  std::uint64_t key = fnv1a(symbol, fnv1a(name_, seed_));
  key ^= static_cast<std::uint64_t>(now.time_since_epoch().count()) * 0x9e3779b97f4a7c15ULL;
  Rng draw(key);
  if (draw.uniform() < failure_share_) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return engine::PriceQuote::failure(name_ + ": injected failure for " + symbol);
  }
  auto price = walk_.price(symbol);
  if (!price) return engine::PriceQuote::failure(name_ + ": unknown symbol " + symbol);
  return engine::PriceQuote::ok(*price);
}

}  // namespace plateau::harness

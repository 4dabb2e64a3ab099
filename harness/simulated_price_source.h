// SimulatedPriceSource: a PriceSource over the harness's PriceWalk with
// injected failures and latency (seed 003 §2: sources fail; monitoring must
// not skip a cycle because of it).
//
// Whether a fetch fails is a pure function of (seed, source name, symbol,
// virtual instant): deterministic for a given event sequence and safe from
// any thread, with no shared RNG state. A failed fetch returns an error quote
// ("injected failure"); an unknown symbol returns "unknown symbol". Latency is
// virtual: each fetch adds `latency` to latency_total() (the provider's
// `now` is already the instant of the attempt), so reports can show how much
// source time a run represents without the driver sleeping.
//
// Thread safety: fetch() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/market/price_source.h"
#include "harness/price_walk.h"

namespace plateau::harness {

class SimulatedPriceSource final : public engine::PriceSource {
 public:
  // `walk` must outlive the source.
  SimulatedPriceSource(std::string name, const PriceWalk& walk, std::uint64_t seed,
                       double failure_share, engine::Duration latency);

  std::string_view name() const noexcept override { return name_; }
  engine::PriceQuote fetch(const engine::Symbol& symbol, engine::TimePoint now) override;

  std::uint64_t fetches() const noexcept { return fetches_.load(std::memory_order_relaxed); }
  std::uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }
  engine::Duration latency_total() const noexcept {
    return engine::Duration{latency_total_nanos_.load(std::memory_order_relaxed)};
  }

 private:
  std::string name_;
  const PriceWalk& walk_;
  std::uint64_t seed_;
  double failure_share_;
  engine::Duration latency_;
  std::atomic<std::uint64_t> fetches_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::int64_t> latency_total_nanos_{0};
};

}  // namespace plateau::harness

#include "harness/price_walk.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string_view>

namespace plateau::harness {

namespace {
constexpr std::int64_t kFloorRaw = engine::Fixed::kScale / 100;  // 0.01
constexpr std::string_view kListingPrefix = "NEW:";
constexpr std::string_view kUnknownPrefix = "GONE:";

// A listing's quote: spread over [10, 1000) by its name, to the cent.
engine::Fixed listing_price(const engine::Symbol& symbol) {
  Rng rng(fnv1a(symbol));
  return engine::Fixed::from_double(std::exp(rng.uniform(std::log(10.0), std::log(1000.0)))).rounded(2);
}
}  // namespace

PriceWalk::PriceWalk(std::vector<engine::Symbol> symbols, std::uint64_t seed, double step_sd)
    : symbols_(std::move(symbols)),
      raw_prices_(std::make_unique<std::atomic<std::int64_t>[]>(symbols_.size())),
      step_sd_(step_sd) {
  if (symbols_.empty()) throw std::invalid_argument("PriceWalk: symbols is empty: need at least one");
  Rng rng = Rng::for_stream(seed, "price_walk.start");
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    if (!index_.emplace(symbols_[i], i).second) {
      throw std::invalid_argument("PriceWalk: symbol '" + symbols_[i] + "' appears twice");
    }
    const double start = std::exp(rng.uniform(std::log(10.0), std::log(1000.0)));
    raw_prices_[i].store(engine::Fixed::from_double(start).rounded(2).raw(), std::memory_order_relaxed);
  }
}

engine::Fixed PriceWalk::step(std::size_t index, Rng& rng) {
  auto& slot = raw_prices_[index];
  const double current = static_cast<double>(slot.load(std::memory_order_relaxed));
  // Mean-reverting in log space towards the start would add state; a plain
  // walk over a day at 0.1% per tick stays within sensible ranges.
  const double next = current * std::exp(step_sd_ * rng.normal());
  const std::int64_t raw = std::max<std::int64_t>(kFloorRaw, std::llround(next / 1e6) * 1'000'000);
  slot.store(raw, std::memory_order_relaxed);
  return engine::Fixed::from_raw(raw);
}

engine::Fixed PriceWalk::price(std::size_t index) const noexcept {
  return engine::Fixed::from_raw(raw_prices_[index].load(std::memory_order_relaxed));
}

std::optional<engine::Fixed> PriceWalk::price(const engine::Symbol& symbol) const {
  auto it = index_.find(symbol);
  if (it != index_.end()) return price(it->second);
  if (is_listing(symbol)) return listing_price(symbol);
  return std::nullopt;
}

engine::Symbol PriceWalk::listing_symbol(std::uint64_t n) { return std::string(kListingPrefix) + std::to_string(n); }

engine::Symbol PriceWalk::unknown_symbol(std::uint64_t n) { return std::string(kUnknownPrefix) + std::to_string(n); }

bool PriceWalk::is_listing(const engine::Symbol& symbol) noexcept { return symbol.starts_with(kListingPrefix); }

std::optional<std::size_t> PriceWalk::index_of(const engine::Symbol& symbol) const {
  auto it = index_.find(symbol);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace plateau::harness

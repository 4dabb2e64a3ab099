// PriceWalk: the harness's "true" market: one geometric random walk per symbol.
//
// Each price tick event moves one symbol's price by a small normal step
// (relative sd `step_sd`, default 0.1% per tick) drawn from the tick
// stream's payload Rng, so the price path is part of the deterministic event
// sequence. Prices are Fixed (never below `floor`). Symbols are fixed at
// construction and addressed by index; the simulated price sources read the
// current price by symbol name.
//
// New listings: besides its own symbols the walk quotes any number of
// freshly listed ones, named by listing_symbol(n) ("NEW:<n>"; the colon
// keeps them apart from every scenario symbol). A listing has no trades yet,
// so its quote is constant, derived from its name; it needs no state, so an
// endless stream of listings costs the harness nothing. unknown_symbol(n)
// ("GONE:<n>") names a symbol nobody quotes.
//
// Thread safety: step() is called by the driver thread only; price() may be
// called from any thread (each price is one relaxed atomic). The symbol list
// never changes after construction.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/fixed.h"
#include "engine/core/types.h"
#include "harness/rng.h"

namespace plateau::harness {

class PriceWalk {
 public:
  // Starting prices are spread deterministically over [10, 1000) by `seed`.
  PriceWalk(std::vector<engine::Symbol> symbols, std::uint64_t seed, double step_sd = 0.001);

  std::size_t size() const noexcept { return symbols_.size(); }
  const engine::Symbol& symbol(std::size_t index) const { return symbols_.at(index); }
  const std::vector<engine::Symbol>& symbols() const noexcept { return symbols_; }

  // Moves symbol `index` one step; returns its new price.
  engine::Fixed step(std::size_t index, Rng& rng);
  engine::Fixed price(std::size_t index) const noexcept;
  // The walk's price, a listing's constant quote, or nothing.
  std::optional<engine::Fixed> price(const engine::Symbol& symbol) const;
  std::optional<std::size_t> index_of(const engine::Symbol& symbol) const;

  static engine::Symbol listing_symbol(std::uint64_t n);
  static engine::Symbol unknown_symbol(std::uint64_t n);
  static bool is_listing(const engine::Symbol& symbol) noexcept;

 private:
  std::vector<engine::Symbol> symbols_;
  std::unordered_map<engine::Symbol, std::size_t> index_;
  std::unique_ptr<std::atomic<std::int64_t>[]> raw_prices_;
  double step_sd_;
};

}  // namespace plateau::harness

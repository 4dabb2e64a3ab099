// MarketDataPriceSource: a PriceSource answering from MarketData's last tick.
//
// Lets the PriceProvider use the engine's own tick stream as one of its
// sources (typically the first, with exchange APIs behind it). A last price
// older than max_tick_age counts as a failure, so the provider falls through
// to the next source rather than serving a frozen feed as fresh.
//
// Thread safety: as MarketData; fetch() may be called from any thread. The
// MarketData must outlive this source.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "engine/market/market_data.h"
#include "engine/market/price_source.h"

namespace plateau::engine {

class MarketDataPriceSource final : public PriceSource {
 public:
  MarketDataPriceSource(const MarketData& market, Duration max_tick_age, std::string name = "market_data")
      : market_(market), max_tick_age_(max_tick_age), name_(std::move(name)) {}

  std::string_view name() const noexcept override { return name_; }
  PriceQuote fetch(const Symbol& symbol, TimePoint now) override;

 private:
  const MarketData& market_;
  const Duration max_tick_age_;
  const std::string name_;
};

}  // namespace plateau::engine

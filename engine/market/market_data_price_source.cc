#include "engine/market/market_data_price_source.h"

namespace plateau::engine {

PriceQuote MarketDataPriceSource::fetch(const Symbol& symbol, TimePoint now) {
  std::optional<Fixed> price = market_.last_price(symbol);
  std::optional<TimePoint> at = market_.last_price_time(symbol);
  if (!price || !at) return PriceQuote::failure(name_ + ": no tick for " + symbol);
  if (now - *at > max_tick_age_) {
    return PriceQuote::failure(name_ + ": last tick for " + symbol + " is " +
                               std::to_string(to_seconds(now - *at)) + " s old");
  }
  return PriceQuote::ok(*price);
}

}  // namespace plateau::engine

// PriceSource: one place a price can come from (an exchange API, a feed).
//
// The PriceProvider tries several in order. A source answers with a quote or
// an error text; it may also throw, which the provider treats as an error.
// The harness implements sources with injected failures and latency.
//
// Thread safety: fetch() may be called from several threads at once; an
// implementation must be thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/types.h"

namespace plateau::engine {

struct PriceQuote {
  std::optional<Fixed> price;  // set on success
  std::string error;           // why not, on failure

  static PriceQuote ok(Fixed value) { return PriceQuote{value, {}}; }
  static PriceQuote failure(std::string why) { return PriceQuote{std::nullopt, std::move(why)}; }
  bool is_ok() const noexcept { return price.has_value(); }
};

class PriceSource {
 public:
  virtual ~PriceSource() = default;
  virtual std::string_view name() const noexcept = 0;
  // `now` is the virtual instant of this attempt (after any backoff waited).
  virtual PriceQuote fetch(const Symbol& symbol, TimePoint now) = 0;
};

}  // namespace plateau::engine

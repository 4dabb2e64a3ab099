// The two ports through which the AutoExecutor reaches the rest of the
// engine: PlanMarket (prices and one-minute candles) and PlanTradeSink (the
// trade itself). The plans component depends on nothing else; the Engine
// facade adapts MarketData / PriceProvider / PaperEngine to these, and tests
// use fakes.
//
// Thread safety: the AutoExecutor calls both ports without holding its own
// lock, possibly from several threads at once if several threads run monitor
// cycles; implementations must be safe for that. A port may throw: the
// executor treats a throwing last_price() as "no price", a throwing
// m1_candles() as "no fresh candles", and a throwing execute() as a failed
// attempt. Since the executor lock is not held, a port may call back into the
// AutoExecutor (a cancel during execute() is refused with kExecuting).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/types.h"
#include "engine/plans/plan.h"

namespace plateau::engine {

// One one-minute OHLCV candle, as the plans component needs it.
struct M1Candle {
  TimePoint open_time{};
  Fixed open;
  Fixed high;
  Fixed low;
  Fixed close;
  Fixed volume;
};

class PlanMarket {
 public:
  virtual ~PlanMarket() = default;
  // The latest price of `symbol` at `now`; nullopt when it has none (unknown
  // or delisted symbol, every source down).
  virtual std::optional<Fixed> last_price(const Symbol& symbol, TimePoint now) = 0;
  // Recent one-minute candles of `symbol`, oldest first (may be empty).
  virtual std::vector<M1Candle> m1_candles(const Symbol& symbol, TimePoint now) = 0;
};

struct ExecutionOutcome {
  bool success = false;
  std::string error;  // why it failed; empty on success

  static ExecutionOutcome succeeded() { return {true, {}}; }
  static ExecutionOutcome failed(std::string why) { return {false, std::move(why)}; }
};

class PlanTradeSink {
 public:
  virtual ~PlanTradeSink() = default;
  // Places the trade of `plan` at `price`. The plan is a copy; its status is
  // kExecuting during the call.
  virtual ExecutionOutcome execute(const Plan& plan, Fixed price, TimePoint now) = 0;
};

}  // namespace plateau::engine

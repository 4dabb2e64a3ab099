// Candle and Timeframe: the OHLCV vocabulary of market data.
//
// A Candle covers [open_time, open_time + duration(timeframe)); prices and
// volume are Fixed. Timeframes are the five the engine keeps (1m, 5m, 15m,
// 1h, 4h); their text form ("1m", "4h") is what scenarios and reports use.
//
// Thread safety: value types and pure functions only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"

namespace plateau::engine {

enum class Timeframe : std::uint8_t { k1m, k5m, k15m, k1h, k4h };

inline constexpr std::array<Timeframe, 5> kAllTimeframes = {Timeframe::k1m, Timeframe::k5m, Timeframe::k15m,
                                                            Timeframe::k1h, Timeframe::k4h};

Duration duration_of(Timeframe timeframe) noexcept;
std::string_view to_string(Timeframe timeframe) noexcept;
// "1m", "5m", "15m", "1h", "4h"; nullopt for anything else.
std::optional<Timeframe> parse_timeframe(std::string_view text) noexcept;

// The start of the candle of `timeframe` that contains `t` (aligned to the
// epoch, as exchanges align them).
TimePoint candle_open_time(Timeframe timeframe, TimePoint t) noexcept;

struct Candle {
  TimePoint open_time{};
  Fixed open;
  Fixed high;
  Fixed low;
  Fixed close;
  Fixed volume;

  friend bool operator==(const Candle&, const Candle&) = default;
};

}  // namespace plateau::engine

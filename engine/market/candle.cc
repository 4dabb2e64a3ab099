#include "engine/market/candle.h"

namespace plateau::engine {

Duration duration_of(Timeframe timeframe) noexcept {
  using namespace std::chrono;
  switch (timeframe) {
    case Timeframe::k1m:
      return minutes(1);
    case Timeframe::k5m:
      return minutes(5);
    case Timeframe::k15m:
      return minutes(15);
    case Timeframe::k1h:
      return hours(1);
    case Timeframe::k4h:
      return hours(4);
  }
  return minutes(1);
}

std::string_view to_string(Timeframe timeframe) noexcept {
  switch (timeframe) {
    case Timeframe::k1m:
      return "1m";
    case Timeframe::k5m:
      return "5m";
    case Timeframe::k15m:
      return "15m";
    case Timeframe::k1h:
      return "1h";
    case Timeframe::k4h:
      return "4h";
  }
  return "unknown";
}

std::optional<Timeframe> parse_timeframe(std::string_view text) noexcept {
  for (Timeframe tf : kAllTimeframes) {
    if (to_string(tf) == text) return tf;
  }
  return std::nullopt;
}

TimePoint candle_open_time(Timeframe timeframe, TimePoint t) noexcept {
  const auto period = duration_of(timeframe).count();
  auto since_epoch = t.time_since_epoch().count();
  auto remainder = since_epoch % period;
  if (remainder < 0) remainder += period;  // floor for instants before the epoch
  return TimePoint{Duration{since_epoch - remainder}};
}

}  // namespace plateau::engine

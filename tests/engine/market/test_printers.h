// operator<< for engine value types, so Boost.Test can print them in failure
// messages. Test-only: the engine itself never formats for humans.
#pragma once

#include <ostream>

#include "engine/core/fixed.h"
#include "engine/core/types.h"
#include "engine/market/candle.h"
#include "engine/market/price_provider.h"

namespace plateau::engine {

inline std::ostream& operator<<(std::ostream& os, const Fixed& value) { return os << value.to_string(); }
inline std::ostream& operator<<(std::ostream& os, PriceFreshness value) { return os << to_string(value); }
inline std::ostream& operator<<(std::ostream& os, Timeframe value) { return os << to_string(value); }
inline std::ostream& operator<<(std::ostream& os, Side value) { return os << to_string(value); }

}  // namespace plateau::engine

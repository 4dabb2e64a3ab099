#include "engine/core/types.h"

namespace plateau::engine {

std::string_view to_string(Side side) noexcept { return side == Side::kBuy ? "buy" : "sell"; }

}  // namespace plateau::engine

#include "engine/portfolio/position.h"

namespace plateau::engine {

std::string_view to_string(ProtectionType type) noexcept {
  switch (type) {
    case ProtectionType::kNone:
      return "none";
    case ProtectionType::kTakeProfit:
      return "take_profit";
    case ProtectionType::kStopLoss:
      return "stop_loss";
  }
  return "unknown";
}

std::string_view to_string(PositionState state) noexcept {
  switch (state) {
    case PositionState::kOpen:
      return "open";
    case PositionState::kClosing:
      return "closing";
  }
  return "unknown";
}

}  // namespace plateau::engine

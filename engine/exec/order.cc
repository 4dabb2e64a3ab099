#include "engine/exec/order.h"

namespace plateau::engine {

std::string_view to_string(OrderState state) noexcept {
  switch (state) {
    case OrderState::kNew:
      return "new";
    case OrderState::kPartiallyFilled:
      return "partially_filled";
    case OrderState::kFilled:
      return "filled";
    case OrderState::kCancelled:
      return "cancelled";
    case OrderState::kRejected:
      return "rejected";
    case OrderState::kFailed:
      return "failed";
  }
  return "unknown";
}

bool is_terminal(OrderState state) noexcept {
  return state == OrderState::kFilled || state == OrderState::kCancelled || state == OrderState::kRejected ||
         state == OrderState::kFailed;
}

}  // namespace plateau::engine

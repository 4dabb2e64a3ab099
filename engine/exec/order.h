// Order vocabulary shared by the OrderRouter and its callers: what is asked
// for (OrderIntent), where an order stands (OrderState, OrderMeta), what a
// venue reports (OrderUpdate) and what reaches the Portfolio (FillEvent).
//
// An order's state only moves forward: kNew -> kPartiallyFilled -> one of the
// terminal states kFilled, kCancelled, kRejected, kFailed. Terminal orders are
// the ones the router may purge once they are older than its TTL.
//
// Thread safety: value types and pure functions only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/types.h"
#include "engine/portfolio/portfolio.h"

namespace plateau::engine {

enum class OrderState : std::uint8_t {
  kNew,
  kPartiallyFilled,
  kFilled,
  kCancelled,
  kRejected,
  kFailed,
};
std::string_view to_string(OrderState state) noexcept;
bool is_terminal(OrderState state) noexcept;

struct OrderIntent {
  OrderId order_id;  // the intent id; a re-submitted id is refused
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed qty;                             // positive
  std::optional<Fixed> limit_price;      // nullopt: market order
  std::string reason;                    // e.g. "entry", "exit:stop_loss"
  FillEffect effect = FillEffect::kAny;  // exits are kReduceOnly
};

// One report from the venue. `fill_qty`/`fill_price` describe the execution
// this update carries (incremental, not cumulative), if any.
struct OrderUpdate {
  OrderId order_id;
  OrderState state = OrderState::kNew;
  std::optional<Fixed> fill_qty;
  std::optional<Fixed> fill_price;
};

struct OrderMeta {
  OrderId order_id;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed qty;
  std::optional<Fixed> limit_price;
  std::string reason;
  FillEffect effect = FillEffect::kAny;
  OrderState state = OrderState::kNew;
  Fixed filled_qty;
  TimePoint submitted_at{};
  TimePoint updated_at{};  // last state change; the purge TTL counts from here
};

// What the router hands its fill handler for every execution it accepts.
struct FillEvent {
  OrderId order_id;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed qty;
  Fixed price;
  FillEffect effect = FillEffect::kAny;
  TimePoint at{};
};

}  // namespace plateau::engine

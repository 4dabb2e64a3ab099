// Position: one live position of the Portfolio and its protection orders.
//
// A Position is a value snapshot: Portfolio::get() hands out copies, so a
// reader never sees a half-applied fill. `qty` is signed (positive = long,
// negative = short) and never zero for a live position; a position whose
// quantity reaches zero is closed and removed from the Portfolio. Its
// PositionId ("<symbol>#<n>", n counting every position the Portfolio ever
// opened, from 1) names this one position's lifetime: a symbol reopened after
// a close gets a new id, so the audit never mistakes a new position for the
// residue of an old one. Protection (take-profit and stop-loss order ids, the
// one currently active) lives here and nowhere else: there is no legacy copy
// to keep in sync (seed 004 H2/H3).
//
// Thread safety: value types; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/types.h"

namespace plateau::engine {

enum class ProtectionType : std::uint8_t { kNone, kTakeProfit, kStopLoss };
std::string_view to_string(ProtectionType type) noexcept;

enum class PositionState : std::uint8_t {
  kOpen,     // held, no exit under way
  kClosing,  // an exit has been asked for; still held until it succeeds
};
std::string_view to_string(PositionState state) noexcept;

struct Protection {
  std::optional<OrderId> take_profit_order_id;
  std::optional<OrderId> stop_loss_order_id;
  std::optional<Fixed> take_profit_price;
  std::optional<Fixed> stop_loss_price;
  ProtectionType active = ProtectionType::kNone;
  // When `active` last changed; unset until the first switch.
  std::optional<TimePoint> last_switch_at;
};

struct Position {
  PositionId id;
  Symbol symbol;
  Fixed qty;        // signed: > 0 long, < 0 short; never zero while held
  Fixed avg_price;  // volume-weighted entry price of the quantity still held
  TimePoint opened_at{};
  TimePoint updated_at{};
  PositionState state = PositionState::kOpen;
  Protection protection;
  // Free-form annotations (strategy tags, entry reasons); not for protection
  // state, which has its own typed fields above.
  std::map<std::string, std::string> meta;
};

}  // namespace plateau::engine

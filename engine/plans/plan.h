// Plan: one automatic trade instruction the AutoExecutor watches.
//
// A plan buys or sells `quantity` of `symbol` once the last price crosses its
// trigger level (at or above for kPriceAtOrAbove, at or below for
// kPriceAtOrBelow), before `expires_at`. A failed execution is retried in later
// cycles; after `max_retries` failed attempts the plan fails. Its status moves
// kActive -> kExecuting -> {kExecuted, kActive (retry), kFailed}, or from
// kActive to kExpired or kCancelled; the last four are terminal.
//
// Thread safety: value types and pure functions only.
// Invariants of a valid plan (see validate_new_plan): non-empty id and symbol,
// quantity and trigger level > 0, expires_at > created_at, max_retries >= 1,
// 0 <= retry_count < max_retries.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/types.h"

namespace plateau::engine {

enum class PlanStatus : std::uint8_t { kActive, kExecuting, kExecuted, kFailed, kExpired, kCancelled };

std::string_view to_string(PlanStatus status) noexcept;
std::optional<PlanStatus> parse_plan_status(std::string_view text) noexcept;
constexpr bool is_terminal(PlanStatus status) noexcept {
  return status != PlanStatus::kActive && status != PlanStatus::kExecuting;
}

enum class TriggerKind : std::uint8_t { kPriceAtOrAbove, kPriceAtOrBelow };

std::string_view to_string(TriggerKind kind) noexcept;
std::optional<TriggerKind> parse_trigger_kind(std::string_view text) noexcept;
std::optional<Side> parse_side(std::string_view text) noexcept;

struct TriggerCondition {
  TriggerKind kind = TriggerKind::kPriceAtOrAbove;
  Fixed level;

  bool met_by(Fixed price) const noexcept {
    return kind == TriggerKind::kPriceAtOrAbove ? price >= level : price <= level;
  }
};

struct Plan {
  PlanId id;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed quantity;
  TriggerCondition trigger;
  TimePoint created_at{};
  TimePoint expires_at{};
  int max_retries = 3;  // failed attempts after which the plan is kFailed
  int retry_count = 0;  // failed attempts so far
  PlanStatus status = PlanStatus::kActive;

  bool expired_at(TimePoint now) const noexcept { return now >= expires_at; }
};

// Throws std::invalid_argument naming the field, its value and why, if `plan`
// is not a valid new plan (the invariants above, and status kActive).
void validate_new_plan(const Plan& plan);

}  // namespace plateau::engine

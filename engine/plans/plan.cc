#include "engine/plans/plan.h"

#include <array>
#include <stdexcept>
#include <string>

namespace plateau::engine {
namespace {

constexpr std::array<std::string_view, 6> kStatusNames{"active", "executing", "executed",
                                                       "failed", "expired",   "cancelled"};

[[noreturn]] void reject(std::string_view field, const std::string& value, std::string_view why) {
  throw std::invalid_argument("plan field '" + std::string(field) + "' = '" + value +
                              "': " + std::string(why));
}

std::string nanos_text(TimePoint t) { return std::to_string(t.time_since_epoch().count()) + " ns"; }

}  // namespace

std::string_view to_string(PlanStatus status) noexcept {
  return kStatusNames[static_cast<std::size_t>(status)];
}

std::optional<PlanStatus> parse_plan_status(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == text) return static_cast<PlanStatus>(i);
  }
  return std::nullopt;
}

std::string_view to_string(TriggerKind kind) noexcept {
  return kind == TriggerKind::kPriceAtOrAbove ? "price_at_or_above" : "price_at_or_below";
}

std::optional<TriggerKind> parse_trigger_kind(std::string_view text) noexcept {
  if (text == "price_at_or_above") return TriggerKind::kPriceAtOrAbove;
  if (text == "price_at_or_below") return TriggerKind::kPriceAtOrBelow;
  return std::nullopt;
}

std::optional<Side> parse_side(std::string_view text) noexcept {
  if (text == "buy") return Side::kBuy;
  if (text == "sell") return Side::kSell;
  return std::nullopt;
}

void validate_new_plan(const Plan& plan) {
  if (plan.id.empty()) reject("id", plan.id, "must not be empty");
  if (plan.symbol.empty()) reject("symbol", plan.symbol, "must not be empty");
  if (plan.quantity <= Fixed{}) reject("quantity", plan.quantity.to_string(), "must be greater than zero");
  if (plan.trigger.level <= Fixed{}) {
    reject("trigger.level", plan.trigger.level.to_string(), "must be greater than zero");
  }
  if (plan.expires_at <= plan.created_at) {
    reject("expires_at", nanos_text(plan.expires_at),
           "must be after created_at (" + nanos_text(plan.created_at) + ")");
  }
  if (plan.max_retries < 1) reject("max_retries", std::to_string(plan.max_retries), "must be at least 1");
  if (plan.retry_count < 0 || plan.retry_count >= plan.max_retries) {
    reject("retry_count", std::to_string(plan.retry_count), "must be in [0, max_retries)");
  }
  if (plan.status != PlanStatus::kActive) {
    reject("status", std::string(to_string(plan.status)), "a new plan must be active");
  }
}

}  // namespace plateau::engine

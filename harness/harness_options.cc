#include <stdexcept>
#include <string>
#include <utility>

#include "harness/harness_options.h"

namespace plateau::harness {

using engine::Duration;

namespace {

void require(bool ok, const std::string& field, const std::string& value, const std::string& rule) {
  if (!ok) throw std::invalid_argument("HarnessOptions." + field + " = " + value + ": " + rule);
}

void require_share(double share, const std::string& field) {
  require(share >= 0 && share <= 1, field, std::to_string(share), "must be between 0 and 1");
}

void require_rate(double rate, const std::string& field) {
  require(rate >= 0 && rate < 1e9, field, std::to_string(rate), "must be >= 0 and finite");
}

}  // namespace

void validate_harness_options(const HarnessOptions& o) {
  require(o.duration > Duration::zero(), "duration", std::to_string(engine::to_seconds(o.duration)) + "s",
          "must be positive");
  require(!o.symbols.empty(), "symbols", "[]", "needs at least one symbol");
  const LoadRates& r = o.rates;
  require_rate(r.price_ticks_per_s, "rates.price_ticks_per_s");
  require_rate(r.open_interest_per_s, "rates.open_interest_per_s");
  require_rate(r.plans_per_s, "rates.plans_per_s");
  require_rate(r.wallet_tx_per_s, "rates.wallet_tx_per_s");
  require_rate(r.position_opens_per_s, "rates.position_opens_per_s");
  require_rate(r.exits_per_s, "rates.exits_per_s");
  require_rate(r.orders_per_s, "rates.orders_per_s");
  require_share(r.plan_cancel_share, "rates.plan_cancel_share");
  require_share(r.plan_trigger_share, "rates.plan_trigger_share");
  require_share(r.plan_new_symbol_share, "rates.plan_new_symbol_share");
  require_share(r.plan_unknown_symbol_share, "rates.plan_unknown_symbol_share");
  require(r.plan_new_symbol_share + r.plan_unknown_symbol_share <= 1,
          "rates.plan_new_symbol_share + plan_unknown_symbol_share",
          std::to_string(r.plan_new_symbol_share + r.plan_unknown_symbol_share), "must be at most 1");
  require_share(r.plan_cancel_in_cycle_share, "rates.plan_cancel_in_cycle_share");
  require_share(r.wallet_duplicate_share, "rates.wallet_duplicate_share");
  require_share(r.exit_failure_share, "rates.exit_failure_share");
  require_share(r.order_cancel_share, "rates.order_cancel_share");
  require_share(r.order_reject_share, "rates.order_reject_share");
  require(r.order_cancel_share + r.order_reject_share <= 1, "rates.order_cancel_share + order_reject_share",
          std::to_string(r.order_cancel_share + r.order_reject_share), "must be at most 1");
  require_share(o.faults.price_source_failure_share, "faults.price_source_failure_share");
  require(r.plan_expiry_min > Duration::zero() && r.plan_expiry_min <= r.plan_expiry_max, "rates.plan_expiry_min",
          std::to_string(engine::to_seconds(r.plan_expiry_min)) + "s", "must be positive and <= plan_expiry_max");
  require(r.copy_hold_min > Duration::zero() && r.copy_hold_min <= r.copy_hold_max, "rates.copy_hold_min",
          std::to_string(engine::to_seconds(r.copy_hold_min)) + "s", "must be positive and <= copy_hold_max");
  require(r.close_storm_threads >= 1 && r.close_storm_threads <= 64, "rates.close_storm_threads",
          std::to_string(r.close_storm_threads), "must be between 1 and 64");
  require(r.close_storm_positions >= 0, "rates.close_storm_positions", std::to_string(r.close_storm_positions),
          "must be >= 0");
  const IntervalOptions& i = o.intervals;
  for (auto [name, d] : {std::pair{"plans_monitor", i.plans_monitor}, std::pair{"paper_monitor", i.paper_monitor},
                         std::pair{"maintain", i.maintain}, std::pair{"sample", i.sample},
                         std::pair{"audit", i.audit}}) {
    require(d > Duration::zero(), std::string("intervals.") + name, std::to_string(engine::to_seconds(d)) + "s",
            "must be positive");
  }
  require(o.delistings.size() < o.symbols.size(), "delistings",
          std::to_string(o.delistings.size()) + " instants",
          "must leave at least one of the " + std::to_string(o.symbols.size()) + " symbols trading");
  for (Duration d : o.delistings) {
    require(d > Duration::zero() && d < o.duration, "delistings", std::to_string(engine::to_seconds(d)) + "s",
            "must lie inside the run (0, duration)");
  }
  require(i.restart >= Duration::zero(), "intervals.restart", std::to_string(engine::to_seconds(i.restart)) + "s",
          "must be >= 0 (0 = never)");
}

namespace {

constexpr DriverInterval kDriverIntervals[] = {
    {"engine", "how often Engine::maintain runs (each component then runs what is due)",
     &IntervalOptions::maintain, true},
    {"plans_monitor", "the plans monitor cycle (begin_cycle / finish_cycle)", &IntervalOptions::plans_monitor,
     false},
    {"paper_monitor", "the paper monitor cycle (PaperEngine::monitor_cycle)", &IntervalOptions::paper_monitor,
     false},
};

}  // namespace

std::span<const DriverInterval> driver_intervals() noexcept { return kDriverIntervals; }

engine::DriverCadence driver_cadence(const IntervalOptions& intervals) noexcept {
  return engine::DriverCadence{.maintain = intervals.maintain,
                               .plans_cycle = intervals.plans_monitor,
                               .paper_cycle = intervals.paper_monitor};
}

}  // namespace plateau::harness

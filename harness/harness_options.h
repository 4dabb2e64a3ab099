// HarnessOptions: everything the harness needs to drive one soak run.
//
// The soak runner fills this from a Scenario (the harness does not depend on
// soak/, per the dependency arrows of ARCHITECTURE.md); tests fill it by
// hand. Rates are per *virtual* second and become Poisson arrivals; shares
// are probabilities in [0, 1]; every Duration is virtual time. A rate of 0
// (or a zero interval) switches a generator off. Defaults are a small load.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/clock.h"
#include "engine/maintain_schedule.h"

namespace plateau::harness {

using namespace std::chrono_literals;

enum class ClockMode : std::uint8_t { kSim, kWall };

struct LoadRates {
  double price_ticks_per_s = 10;  // over all symbols together; each tick moves one symbol
  double open_interest_per_s = 0.5;  // over all symbols together
  // Plans: created at this rate, expiring uniformly in [min, max] after
  // creation; `cancel_share` are cancelled at a random instant before
  // expiry; `trigger_share` get a trigger level the price already meets.
  double plans_per_s = 0.5;
  engine::Duration plan_expiry_min = 5min;
  engine::Duration plan_expiry_max = 2h;
  double plan_cancel_share = 0.2;
  double plan_trigger_share = 0.3;
  // Symbol churn: these shares of plans go to a symbol of their own. A new
  // listing (PriceWalk::listing_symbol) is quoted but never trades; an
  // unknown symbol is quoted by no source. When the plan ends, so must
  // everything the engine keeps for its symbol.
  double plan_new_symbol_share = 0.05;
  double plan_unknown_symbol_share = 0.02;
  // Per plans cycle: the chance that one snapshot plan is cancelled between
  // begin_cycle and finish_cycle (seed 000 §8's race, made deterministic).
  double plan_cancel_in_cycle_share = 0.3;
  // Wallet (copy-trading) transactions; `duplicate_share` re-deliver a recent one.
  double wallet_tx_per_s = 5;
  double wallet_duplicate_share = 0.1;
  // A copy position opened from a transaction is closed after a hold drawn
  // uniformly from [min, max].
  engine::Duration copy_hold_min = 5s;
  engine::Duration copy_hold_max = 60s;
  // Paper positions opened (closed by take-profit/stop-loss or storms).
  double position_opens_per_s = 0.2;
  // Live-portfolio exits through the ExitManager; `exit_failure_share` fail at the venue.
  double exits_per_s = 0.2;
  double exit_failure_share = 0.1;
  // Orders through the router; each ends filled, cancelled or rejected
  // after a delay drawn from [0.2 s, 5 s].
  double orders_per_s = 1.0;
  double order_cancel_share = 0.2;
  double order_reject_share = 0.1;
  // Close storms: every `interval`, `threads` real threads race to close the
  // same (up to) `positions` open paper and copy positions at one instant.
  engine::Duration close_storm_interval = 1min;
  int close_storm_threads = 4;
  int close_storm_positions = 8;
};

struct FaultOptions {
  double price_source_failure_share = 0.02;  // per fetch, per source (two sources)
  engine::Duration price_source_latency = 20ms;  // virtual latency accounted per fetch
};

struct IntervalOptions {
  engine::Duration plans_monitor = 5s;  // begin_cycle / finish_cycle
  engine::Duration paper_monitor = 5s;  // PaperEngine::monitor_cycle
  engine::Duration maintain = 10s;      // Engine::maintain: each component runs what is due
  engine::Duration sample = 10s;        // probe pass
  engine::Duration audit = 1min;        // audit pass (residue)
  engine::Duration restart = engine::Duration::zero();  // 0 = never restart the engine
};

struct HarnessOptions {
  std::uint64_t seed = 1;
  engine::Duration duration = 1h;
  ClockMode clock = ClockMode::kSim;
  std::vector<std::string> symbols = {"SYM000", "SYM001", "SYM002", "SYM003", "SYM004"};
  LoadRates rates;
  FaultOptions faults;
  IntervalOptions intervals;
  std::vector<std::string> failpoints;  // names, see engine/core/failpoints.h
  // Virtual offsets from the start at which HarnessObserver::on_checkpoint
  // fires (the runner's warm-up end and heap-profile checkpoints).
  std::vector<engine::Duration> checkpoints;
  // Virtual offsets at which one listed symbol (drawn by the seed) stops
  // trading for good: a delisting. Fewer than symbols.size(); see
  // Harness::on_delisting for what the harness does then.
  std::vector<engine::Duration> delistings;
  // The engine's SQLite plan store; any file there is removed at start.
  std::filesystem::path plan_store_path = "plans.sqlite";
  // false: no probe passes, no audits and no ledger reports (the load alone,
  // for the probes-off benchmark).
  bool probes_enabled = true;
};

// Throws std::invalid_argument naming the field ("HarnessOptions.<field> =
// <value>: <rule>") for a rate below 0, a share outside [0, 1], an empty
// symbol list, or a non-positive duration or interval.
void validate_harness_options(const HarnessOptions& options);

// The harness's own cadence, by the key a scenario's /maintain/<key> uses:
// how often it calls Engine::maintain ("engine") and runs the plans and
// paper monitor cycles. The engine publishes the intervals of its own
// periodic work (engine/maintain_schedule.h); these are the driver's.
// `paces_cleanup`: no engine cleanup runs more often than this interval, so
// a verdict window must span it as it spans the engine's cleanups.
struct DriverInterval {
  std::string_view key;
  std::string_view description;
  engine::Duration IntervalOptions::*field;
  bool paces_cleanup;
};
std::span<const DriverInterval> driver_intervals() noexcept;

// The cadence the engine's grace periods are computed for.
engine::DriverCadence driver_cadence(const IntervalOptions& intervals) noexcept;

// Virtual time zero of every run: fixed, so runs are reproducible.
inline constexpr engine::TimePoint kVirtualEpoch{std::chrono::seconds(1'767'225'600)};  // 2026-01-01T00:00:00Z

}  // namespace plateau::harness

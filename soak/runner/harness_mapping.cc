#include "soak/runner/harness_mapping.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "engine/core/failpoints.h"
#include "engine/maintain_schedule.h"
#include "probes/allocator_probe.h"
#include "soak/scenario/verdict_settings.h"

namespace plateau::soak {

namespace {

// The maintain keys a scenario may set: the engine's published schedule,
// then the harness's own cadence. One list, read from their owners.
std::string known_maintain_names() {
  std::string known;
  for (const engine::MaintainInterval& m : engine::maintain_schedule())
    known += (known.empty() ? "" : ", ") + std::string(m.key);
  for (const harness::DriverInterval& d : harness::driver_intervals()) known += ", " + std::string(d.key);
  return known;
}

// The verdict takes each window's minimum as the trough a cleanup leaves; a
// window no longer than the longest cleanup period may hold no cleanup, and
// its minimum then reads the saw-tooth's peak (docs/verdict.md). The periods
// are the engine's published schedule after the scenario's /maintain
// overrides, and the harness's maintain tick, which no component's cleanup
// can run more often than.
void require_window_longer_than_cleanups(const Scenario& s, const harness::HarnessOptions& o,
                                         const engine::EngineConfig& e) {
  std::string_view longest_key;
  Duration longest = Duration::min();
  auto consider = [&](std::string_view key, Duration period) {
    if (period > longest) {
      longest_key = key;
      longest = period;
    }
  };
  for (const engine::MaintainInterval& m : engine::maintain_schedule()) consider(m.key, m.get(e));
  for (const harness::DriverInterval& d : harness::driver_intervals()) {
    if (d.paces_cleanup) consider(d.key, o.intervals.*d.field);
  }
  if (s.verdict.window > longest) return;
  const std::string key(longest_key);
  const bool set = s.maintain_intervals.count(key) > 0;
  throw BadInput(s.name + ": /verdict/window = " + format_duration(s.verdict.window) +
                 " must be longer than /maintain/" + key + " = " + format_duration(longest) +
                 (set ? "" : " (the engine default; the scenario does not set it)") +
                 ", the longest cleanup period, so that every window holds a cleanup's trough");
}

// Symbols stop trading mid-run so per-symbol state is shown to go: one symbol
// in ten (none with fewer than ten), at instants spread evenly over the
// measured phase. A delisting lowers per-symbol series a step, which reads as
// a fall, never as growth.
std::vector<Duration> delistings_for(const Scenario& s) {
  const std::size_t count = s.symbols.size() / 10;
  std::vector<Duration> out;
  const Duration measured = s.duration - s.warm_up;
  for (std::size_t k = 1; k <= count; ++k) {
    out.push_back(s.warm_up + measured * static_cast<std::int64_t>(k) / static_cast<std::int64_t>(count + 1));
  }
  return out;
}

}  // namespace

Scenario apply_overrides(Scenario scenario, const RunRequest& request) {
  // The flags in effect, for messages: a refusal names what the user typed.
  std::string flags;
  if (request.seed) {
    scenario.seed = *request.seed;
    flags += " --seed " + std::to_string(*request.seed);
  }
  if (request.clock) {
    scenario.clock = *request.clock;
    flags += " --clock " + std::string(to_string(*request.clock));
  }
  if (request.duration) {
    const Duration d = *request.duration;
    flags += " --duration " + format_duration(d);
    if (d <= Duration::zero()) {
      throw BadInput("--duration " + format_duration(d) + ": must be longer than 0s");
    }
    // Warm-up keeps its share of the run; checkpoints past the end are
    // dropped; a window the file did not give is derived again, as the file
    // would have derived it for this duration.
    const double scale = seconds(d) / seconds(scenario.duration);
    scenario.warm_up = std::chrono::duration_cast<Duration>(scenario.warm_up * scale);
    std::erase_if(scenario.heap_profile_checkpoints, [&](Duration c) { return c > d; });
    // A step fixture keeps its place in the run, as the warm-up does.
    if (scenario.fixtures.step_at) {
      scenario.fixtures.step_at = std::chrono::duration_cast<Duration>(*scenario.fixtures.step_at * scale);
    }
    scenario.duration = d;
    if (!scenario.verdict.window_given) {
      scenario.verdict.window = default_verdict_window(scenario.duration, scenario.warm_up);
    }
  }
  for (const std::string& name : request.failpoints) {
    try {
      engine::Failpoints::parse(name);
    } catch (const std::invalid_argument& e) {
      throw BadInput(std::string("--failpoint ") + name + ": " + e.what());
    }
    if (std::find(scenario.failpoints.begin(), scenario.failpoints.end(), name) == scenario.failpoints.end()) {
      scenario.failpoints.push_back(name);
    }
  }
  for (const std::string& name : scenario.failpoints) {
    try {
      engine::Failpoints::parse(name);
    } catch (const std::invalid_argument& e) {
      throw BadInput(scenario.name + ": /failpoints: " + name + ": " + e.what());
    }
  }
  // One validation path: the scenario with its overrides must pass the same
  // rules as a file saying the same thing.
  try {
    validate_scenario(scenario, request.scenario_path.string());
  } catch (const ScenarioError& e) {
    if (flags.empty()) throw;
    throw BadInput(flags.substr(1) + ": " + e.what() + " (with the command-line overrides applied)");
  }
  // The mapping's own refusals (an unknown /maintain component, a harness
  // option out of range) come now too, before anything is created on disk.
  const HarnessSetup setup = harness_setup_for(scenario, "state");
  try {
    harness::validate_harness_options(setup.options);
  } catch (const std::invalid_argument& e) {
    throw BadInput(request.scenario_path.string() + ": " + e.what());
  }
  return scenario;
}

HarnessSetup harness_setup_for(const Scenario& s, const std::filesystem::path& state_dir) {
  HarnessSetup setup;
  harness::HarnessOptions& o = setup.options;
  engine::EngineConfig& e = setup.engine;
  o.seed = s.seed;
  o.duration = s.duration;
  o.clock = s.clock == ClockMode::wall ? harness::ClockMode::kWall : harness::ClockMode::kSim;
  o.symbols = s.symbols;
  o.rates.price_ticks_per_s = s.rates.price_ticks_per_symbol_per_second * static_cast<double>(s.symbols.size());
  o.rates.plans_per_s = s.rates.plans.per_second;
  o.rates.plan_expiry_min = s.rates.plans.expiry_min;
  o.rates.plan_expiry_max = s.rates.plans.expiry_max;
  o.rates.plan_cancel_share = s.rates.plans.cancel_share;
  o.rates.plan_new_symbol_share = s.rates.plans.new_symbol_share;
  o.rates.plan_unknown_symbol_share = s.rates.plans.unknown_symbol_share;
  o.rates.wallet_tx_per_s = s.rates.wallet_transactions.per_second;
  o.rates.wallet_duplicate_share = s.rates.wallet_transactions.duplicate_share;
  o.rates.position_opens_per_s = s.rates.position_opens_per_second;
  o.rates.close_storm_interval = s.rates.close_storms.interval;
  o.rates.close_storm_threads = static_cast<int>(s.rates.close_storms.threads);
  o.rates.close_storm_positions = static_cast<int>(s.rates.close_storms.positions_per_storm);
  o.rates.exits_per_s = s.rates.exits.per_second;
  o.rates.exit_failure_share = s.rates.exits.failure_share;
  // Orders and open interest follow the exits' and ticks' scale.
  o.rates.orders_per_s = std::max(0.1, s.rates.exits.per_second);
  o.rates.open_interest_per_s = o.rates.price_ticks_per_s / 20;
  o.faults.price_source_failure_share = s.price_source.failure_share;
  o.faults.price_source_latency = s.price_source.latency;
  o.intervals.sample = s.sample_interval;
  o.intervals.audit = s.audit_interval;
  o.intervals.restart = s.restart_interval;
  o.failpoints = s.failpoints;
  o.plan_store_path = state_dir / "plans.sqlite";
  if (s.paper.max_positions) e.paper.max_positions = *s.paper.max_positions;
  if (s.paper.cooldown_after_opens) e.paper.cooldown_after_opens = *s.paper.cooldown_after_opens;
  if (s.paper.cooldown_window) e.paper.cooldown_window = *s.paper.cooldown_window;
  if (s.paper.capital) e.paper.capital = engine::Fixed::from_double(*s.paper.capital).rounded(2);

  // /maintain/<key>: the engine's schedule, then the harness's cadence.
  const auto& driver = harness::driver_intervals();
  for (const auto& [name, interval] : s.maintain_intervals) {
    if (const engine::MaintainInterval* m = engine::find_maintain_interval(name)) {
      m->set(e, interval);
      continue;
    }
    auto d = std::find_if(driver.begin(), driver.end(),
                          [&](const harness::DriverInterval& x) { return x.key == name; });
    if (d == driver.end()) {
      throw BadInput(s.name + ": /maintain/" + name + ": unknown component; known: " + known_maintain_names());
    }
    o.intervals.*(d->field) = interval;
  }
  if (s.fixtures.slow_leak_bytes_per_hour) e.fixtures.slow_leak_bytes_per_hour = *s.fixtures.slow_leak_bytes_per_hour;
  if (s.fixtures.error_note_bytes) e.fixtures.error_note_bytes = static_cast<std::size_t>(*s.fixtures.error_note_bytes);
  if (s.fixtures.thread_leak_every) e.fixtures.thread_leak_every_failures = *s.fixtures.thread_leak_every;
  if (s.fixtures.block_bytes) e.fixtures.block_bytes = static_cast<std::size_t>(*s.fixtures.block_bytes);
  if (s.fixtures.step_at) e.fixtures.step_at = harness::kVirtualEpoch + *s.fixtures.step_at;
  // History caps the warm-up fills (the engine knows its history containers).
  engine::fit_histories_to_warm_up(
      e, engine::WarmUpShape{.warm_up = s.warm_up,
                             .open_interest_points_per_symbol_per_s =
                                 o.rates.open_interest_per_s /
                                 static_cast<double>(std::max<std::size_t>(1, o.symbols.size())),
                             .longest_plan_life = s.rates.plans.expiry_max});
  o.delistings = delistings_for(s);
  require_window_longer_than_cleanups(s, o, e);
  // Work paced faster than maintain is called runs at the tick; the engine
  // adjusts what derives from it (its audit allowances).
  engine::fit_to_maintain_tick(e, o.intervals.maintain);
  return setup;
}

sut::SoakPlan engine_sut_plan_for(const Scenario& scenario) {
  sut::SoakPlan plan = sut_plan_for(scenario);
  plan.settle_allocator = [] { probes::return_freed_pages(); };
  return plan;
}

}  // namespace plateau::soak

// Mapping a Scenario onto the harness's options and the engine's config.
//
// The soak runner is the only place that knows both vocabularies (soak/
// depends on harness/, never the other way). Rates and shares map one to
// one; `maintain` overrides are looked up by key in the schedules their
// owners publish, never listed here: the engine's (engine/maintain_schedule.h:
// its cleanups, sweeps and purges) and the harness's cadence
// (harness::driver_intervals: the maintain tick and the monitor cycles).
// Anything else is BadInput naming `/maintain/<name>` and the known keys.
//
// History caps (candles, open interest, the paper trade log, the plan
// history) are fitted to what the warm-up fills by the engine
// (engine::fit_histories_to_warm_up), never above the production defaults:
// a container still filling towards its cap in the measured phase would
// read as a trend.
//
// Thread safety: pure functions.
#pragma once

#include <filesystem>

#include "engine/engine_config.h"
#include "harness/harness_options.h"
#include "soak/runner/run_request.h"
#include "soak/scenario/scenario.h"
#include "soak/sut/system_under_test.h"

namespace plateau::soak {

struct HarnessSetup {
  harness::HarnessOptions options;
  engine::EngineConfig engine;
};

// Throws BadInput for an unknown maintain component.
HarnessSetup harness_setup_for(const Scenario& scenario, const std::filesystem::path& state_dir);

// Applies the request's overrides to the scenario (seed, clock, duration,
// extra failpoints) and accepts or refuses the result as a whole: the same
// validate_scenario a file passes, then the mapping's own checks (maintain
// components, harness options), so that nothing is created on disk for input
// that will be refused. Throws BadInput naming the option(s), the field, the
// value and the rule, or ScenarioError when no override was given.
Scenario apply_overrides(Scenario scenario, const RunRequest& request);

// The engine soaked through the public soak API (engine_soak and its
// tests): the scenario's plan (sut_plan_for), with this build's allocator
// returning its freed pages before each reading of the process figures
// (probes::return_freed_pages), as `plateau run`'s allocator probe does
// before RSS is read.
sut::SoakPlan engine_sut_plan_for(const Scenario& scenario);

}  // namespace plateau::soak

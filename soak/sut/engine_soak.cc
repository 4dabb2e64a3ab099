// engine_soak: the trading engine soaked through the public soak API — a
// harness::EngineSystem under sut::soak_main, exactly as an embedder's
// service is — to show that the API carries a real system.
//
//   engine_soak [--scenario FILE] [the soak API's flags: --help lists them]
//   engine_soak --list-failpoints | --help
//
// The load, the engine's config and the verdict's tolerances come from a
// scenario (default: soak/scenarios/gate.json of this tree), mapped as
// `plateau run` maps it (soak::apply_overrides, soak::harness_setup_for):
// --duration rescales warm-up and window as `plateau run --duration` does,
// and --warm-up / --window / --sample-interval / --seed replace the
// scenario's before the engine is sized (its history caps follow the
// warm-up; a window not longer than the longest cleanup is refused);
// --failpoint names are on from the engine's start, as in `plateau run`. What
// this path does not do that `plateau run` does: docs/embedding.md.
// Exit 0 bounded, 1 leak or residue, 2 bad input, 5 inconclusive.
#include <cmath>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "harness/engine_system.h"
#include "soak/runner/harness_mapping.h"
#include "soak/scenario/verdict_settings.h"
#include "soak/sut/system_under_test.h"

#ifndef PLATEAU_DEFAULT_SCENARIO
#define PLATEAU_DEFAULT_SCENARIO "soak/scenarios/gate.json"
#endif

namespace {

using plateau::engine::from_seconds;  // the scenario's Duration is the engine's

// Applies the soak flags to the scenario, then sizes the engine for it.
// Returns the plan defaults the final scenario gives.
plateau::sut::SoakPlan prepare(plateau::soak::Scenario& scenario, const std::filesystem::path& scenario_path,
                               int argc, const char* const* argv, plateau::harness::HarnessOptions& options,
                               plateau::engine::EngineConfig& config) {
  plateau::sut::SoakPlan given;
  given.duration_s = given.warm_up_s = given.window_s = given.sample_interval_s = -1;  // -1: not given
  given.seed = scenario.seed;
  given = plateau::sut::plan_from_args(argc, argv, given);
  given.out_dir =
      given.out_dir == plateau::sut::SoakPlan{}.out_dir ? "plateau-out/engine_soak" : given.out_dir;
  plateau::soak::RunRequest request;
  request.scenario_path = scenario_path;
  request.seed = given.seed;
  // On from the engine's construction, as under `plateau run`: switched on
  // only by the runner, after the EngineSystem is built, a failpoint would
  // miss the start-up paths (the candle backfill, the first cleanup).
  request.failpoints = given.failpoints;
  if (given.duration_s >= 0) request.duration = from_seconds(given.duration_s);
  scenario = plateau::soak::apply_overrides(scenario, request);
  if (given.warm_up_s >= 0) scenario.warm_up = from_seconds(given.warm_up_s);
  if (given.window_s >= 0) {
    scenario.verdict.window = from_seconds(given.window_s);
    scenario.verdict.window_given = true;
  }
  if (given.sample_interval_s >= 0) scenario.sample_interval = from_seconds(given.sample_interval_s);
  plateau::soak::validate_scenario(scenario, scenario_path.string());
  const plateau::soak::HarnessSetup setup =
      plateau::soak::harness_setup_for(scenario, given.out_dir / "state");
  options = setup.options;
  config = setup.engine;

  plateau::sut::SoakPlan plan = plateau::soak::engine_sut_plan_for(scenario);
  plan.out_dir = given.out_dir;
  return plan;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path scenario_path = PLATEAU_DEFAULT_SCENARIO;
  std::vector<const char*> args = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--list-failpoints") {
      for (const plateau::engine::FailpointInfo& f : plateau::engine::all_failpoints())
        std::cout << f.name << "\t" << f.description << "\n";
      return 0;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << "usage: engine_soak [--scenario FILE] " << plateau::sut::plan_flags_usage()
                << "\n       engine_soak --list-failpoints\n"
                   "The trading engine soaked through the public soak API, sized from a scenario (default "
                << PLATEAU_DEFAULT_SCENARIO
                << ").\nExit codes: 0 bounded, 1 leak or residue, 2 bad input, 5 inconclusive. "
                   "docs/embedding.md.\n";
      return 0;
    }
    if (flag == "--scenario") {
      if (i + 1 >= argc) {
        std::cerr << "engine_soak: bad input: --scenario: needs a file\n";
        return 2;
      }
      scenario_path = argv[++i];
      continue;
    }
    args.push_back(argv[i]);
  }
  const int n = static_cast<int>(args.size());
  plateau::harness::HarnessOptions options;
  plateau::engine::EngineConfig config;
  plateau::sut::SoakPlan defaults;
  try {  // bad input only: a failure during the run is not the user's input
    plateau::soak::Scenario scenario = plateau::soak::load_scenario(scenario_path);
    defaults = prepare(scenario, scenario_path, n, args.data(), options, config);
  } catch (const std::exception& e) {  // BadInput, ScenarioError, std::invalid_argument
    std::cerr << "engine_soak: bad input: " << e.what() << "\n";
    return 2;
  }
  plateau::harness::EngineSystem system(std::move(options), std::move(config));
  return plateau::sut::soak_main(system, n, args.data(), defaults);
}

// plateau: the command line of the soak harness.
//
//   plateau run SCENARIO [--out DIR] [--seed N] [--failpoint NAME]...
//                        [--clock sim|wall] [--duration D] [--no-probes]
//   plateau failpoints
//   plateau watch [options] -- CMD [ARGS...] | plateau watch --pid PID [options]
//
// Exit codes: 0 bounded, 1 leak or broken invariant, 2 bad input (the message
// names the field, the value and the rule), 3 interrupted (a partial report
// marked incomplete was written), 4 an unexpected error (e.g. the report
// could not be written). See docs/cli.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/failpoints.h"
#include "probes/heap_profiler.h"
#include "soak/canaries/canaries_command.h"
#include "soak/compare/subcommand.h"
#include "soak/runner/run_request.h"
#include "soak/runner/soak_runner.h"
#include "soak/runner/stop_signal.h"
#include "soak/scenario/scenario.h"
#include "soak/watch/watch_command.h"

namespace {

constexpr int kExitInternalError = 4;

int list_failpoints() {
  for (const auto& fp : plateau::engine::all_failpoints()) {
    std::printf("%-34s %-10s %-8s %s\n", std::string(fp.name).c_str(), std::string(fp.component).c_str(),
                std::string(fp.seed).c_str(), std::string(fp.description).c_str());
  }
  return 0;
}

int run(const std::string& scenario, const std::optional<std::string>& out, const std::optional<std::uint64_t>& seed,
        const std::vector<std::string>& failpoints, const std::optional<std::string>& clock,
        const std::optional<std::string>& duration, bool no_probes) {
  using namespace plateau::soak;
  RunRequest request;
  request.scenario_path = scenario;
  if (out) request.out_dir = *out;
  request.seed = seed;
  request.failpoints = failpoints;
  request.probes_enabled = !no_probes;
  if (clock) {
    if (*clock == "sim") {
      request.clock = ClockMode::sim;
    } else if (*clock == "wall") {
      request.clock = ClockMode::wall;
    } else {
      throw BadInput("--clock " + *clock + ": must be sim or wall");
    }
  }
  if (duration) {
    try {
      request.duration = parse_duration(*duration);
    } catch (const std::invalid_argument& e) {
      throw BadInput("--duration " + *duration + ": " + e.what());
    }
  }
  StopSignal stop;
  RunOutcome outcome = run_soak(request, std::cerr, &stop);
  std::cout << outcome.report_json.string() << "\n";
  return outcome.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // tcmalloc builds: heap sampling must be configured before the process starts.
  plateau::probes::reexec_with_heap_sampling(argv);

  CLI::App app{"plateau: memory-leak soak harness. Compresses a day of trading-engine load into a minute "
               "and says whether memory stayed bounded."};
  app.require_subcommand(1);

  std::string scenario;
  std::optional<std::string> out, clock, duration;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> failpoints;
  bool no_probes = false;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a soak scenario and write its report");
  run_cmd->add_option("scenario", scenario, "Scenario JSON file (e.g. soak/scenarios/nightly.json)")->required();
  run_cmd->add_option("--out", out, "Output folder (default: a new folder under plateau-out/)");
  run_cmd->add_option("--seed", seed, "Seed override: the same scenario and seed give the same events");
  run_cmd->add_option("--failpoint", failpoints, "Switch a failpoint on (repeatable); see `plateau failpoints`");
  run_cmd->add_option("--clock", clock, "sim (virtual time, default) or wall (paced in real time)");
  run_cmd->add_option("--duration", duration, "Virtual duration override, e.g. 30m, 6h");
  run_cmd->add_flag("--no-probes", no_probes, "Drive the load without sampling (benchmark of the probes' cost)");
  CLI::App* fp_cmd = app.add_subcommand("failpoints", "List every failpoint with its one-line description");
  const plateau::soak::Subcommand more[] = {
      plateau::soak::add_canaries_command(app), plateau::soak::add_compare_command(app),
      plateau::soak::add_merge_command(app), plateau::soak::add_report_command(app),
      plateau::soak::add_watch_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : plateau::soak::kExitBadInput;
  }

  try {
    if (fp_cmd->parsed()) return list_failpoints();
    for (const auto& command : more) {
      if (command.app->parsed()) return command.run();
    }
    return run(scenario, out, seed, failpoints, clock, duration, no_probes);
  } catch (const plateau::soak::ScenarioError& e) {
    std::cerr << "plateau: bad scenario: " << e.what() << "\n";
    return plateau::soak::kExitBadInput;
  } catch (const plateau::soak::BadInput& e) {
    std::cerr << "plateau: bad input: " << e.what() << "\n";
    return plateau::soak::kExitBadInput;
  } catch (const std::invalid_argument& e) {
    std::cerr << "plateau: bad input: " << e.what() << "\n";
    return plateau::soak::kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "plateau: error: " << e.what() << "\n";
    return kExitInternalError;
  }
}

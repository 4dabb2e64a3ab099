#include "soak/canaries/canaries_command.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "soak/canaries/canary_matrix.h"

namespace plateau::soak {

namespace {

struct CanariesArgs {
  std::string scenario = "soak/scenarios/gate.json";
  std::size_t seeds = 20;
  std::uint64_t first_seed = 1;
  std::size_t jobs = 2;
  std::string out = "plateau-out/canaries";
  std::vector<std::string> failpoints;
  std::vector<std::string> families;
  std::optional<std::string> duration;
};

int run_canaries(const CanariesArgs& args) {
  CanaryOptions options;
  options.scenario = args.scenario;
  options.clean_seeds = args.seeds;
  options.first_seed = args.first_seed;
  options.jobs = args.jobs;
  options.out_dir = args.out;
  options.failpoints = args.failpoints;
  options.families = args.families;
  options.duration = args.duration;
  const CanaryOutcome outcome = run_canary_matrix(options, std::cerr);
  std::cout << (outcome.out_dir / "report.json").string() << "\n";
  return outcome.passed ? 0 : 1;
}

}  // namespace

Subcommand add_canaries_command(CLI::App& app) {
  auto args = std::make_shared<CanariesArgs>();
  CLI::App* cmd = app.add_subcommand(
      "canaries",
      "Run the scenario clean per seed and once per failpoint (child processes); exit 0 only "
      "if every canary is detected in the right component and every clean run is bounded");
  cmd->add_option("--scenario", args->scenario, "Scenario JSON file")->capture_default_str();
  cmd->add_option("--seeds", args->seeds, "Clean runs, with seeds first-seed, first-seed+1, ...")
      ->capture_default_str();
  cmd->add_option("--first-seed", args->first_seed, "Seed of the first clean run")->capture_default_str();
  cmd->add_option("--jobs", args->jobs, "Runs at a time (child processes)")->capture_default_str();
  cmd->add_option("--out", args->out, "Folder for the matrix report and one sub-folder per run")
      ->capture_default_str();
  cmd->add_option("--failpoint", args->failpoints,
                  "Only these canaries (repeatable); default: every failpoint")
      ->allow_extra_args(false);
  cmd->add_option("--family", args->families,
                  "Only the canaries of these families (repeatable): seed, undeclared, must_not_fire; "
                  "default: all")
      ->allow_extra_args(false);
  cmd->add_option("--duration", args->duration, "Virtual duration override passed to every run, e.g. 3h");
  return Subcommand{cmd, [args] { return run_canaries(*args); }};
}

}  // namespace plateau::soak

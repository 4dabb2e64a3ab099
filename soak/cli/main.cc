// plateau: the command line of the soak harness.
//
//   plateau run SCENARIO [--out DIR] [--seed N] [--failpoint NAME]...
//                        [--clock sim|wall] [--duration D] [--no-probes]
//   plateau failpoints
//
// Exit codes: 0 bounded, 1 leak or broken invariant, 2 bad input (the message
// names the field, the value and the rule), 3 interrupted (a partial report
// marked incomplete was written), 4 an unexpected error (e.g. the report
// could not be written). See docs/cli.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
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

namespace {

constexpr int kExitInternalError = 4;
// Linux's PATH_MAX and NAME_MAX.
constexpr std::size_t kMaxOutPathBytes = 4096;
constexpr std::size_t kMaxPathComponentBytes = 255;

int list_failpoints() {
  for (const auto& fp : plateau::engine::all_failpoints()) {
    std::printf("%-34s %-10s %-8s %s\n", std::string(fp.name).c_str(), std::string(fp.component).c_str(),
                std::string(fp.seed).c_str(), std::string(fp.description).c_str());
  }
  return 0;
}

// A flag's value as it appears in a message: cut, so a pasted megabyte does
// not become the message.
std::string shown_flag_value(const std::string& value) {
  return value.size() > 60 ? value.substr(0, 57) + "..." : value;
}

// Parses one flag's text with the scenario's own rule (the one a file's field
// passes), turning the rule into BadInput naming the flag and the value.
template <typename Parse>
auto parse_flag(const char* flag, const std::string& text, Parse parse) {
  try {
    return parse(text);
  } catch (const std::invalid_argument& e) {
    throw plateau::soak::BadInput(std::string(flag) + " " + shown_flag_value(text) + ": " + e.what());
  }
}

int run(const std::string& scenario, const std::optional<std::string>& out, const std::optional<std::string>& seed,
        const std::vector<std::string>& failpoints, const std::optional<std::string>& clock,
        const std::optional<std::string>& duration, bool no_probes) {
  using namespace plateau::soak;
  RunRequest request;
  request.scenario_path = scenario;
  if (out) {
    // Refused here, before anything is read or created: an empty folder name
    // would mean the working folder, an over-long one fails deep in mkdir.
    if (out->empty()) throw BadInput("--out \"\": must name a folder");
    if (out->size() > kMaxOutPathBytes) {
      throw BadInput("--out " + shown_flag_value(*out) + ": must be at most " + std::to_string(kMaxOutPathBytes) +
                     " bytes long");
    }
    for (const auto& part : std::filesystem::path(*out)) {
      if (part.native().size() > kMaxPathComponentBytes) {
        throw BadInput("--out " + shown_flag_value(*out) + ": each folder name must be at most " +
                       std::to_string(kMaxPathComponentBytes) + " bytes long");
      }
    }
    if (out->find('\0') != std::string::npos) throw BadInput("--out: must not contain a NUL byte");
    request.out_dir = *out;
  }
  if (seed) request.seed = parse_flag("--seed", *seed, [](const std::string& t) { return parse_seed(t); });
  request.failpoints = failpoints;
  request.probes_enabled = !no_probes;
  if (clock) request.clock = parse_flag("--clock", *clock, [](const std::string& t) { return parse_clock(t); });
  if (duration) {
    request.duration = parse_flag("--duration", *duration, [](const std::string& t) { return parse_duration(t); });
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
  // Text, parsed by the scenario's seed rule: CLI11 would wrap "-1" to 2^64-1.
  std::optional<std::string> seed;
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
      plateau::soak::add_merge_command(app), plateau::soak::add_report_command(app)};

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

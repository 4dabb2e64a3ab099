// plateau: the command line of the soak harness.
//
//   plateau run SCENARIO [--out DIR] [--seed N] [--failpoint NAME]...
//                        [--clock sim|wall] [--duration D] [--no-probes]
//   plateau failpoints
//   plateau heap DUMP [--base DUMP] [--lines]
//   plateau --version
//   plateau watch [options] -- CMD [ARGS...] | plateau watch --pid PID [options]
//
// Exit codes: 0 bounded, 1 leak or broken invariant, 2 bad input (the message
// names the field, the value and the rule), 3 interrupted (a partial report
// marked incomplete was written), 4 an unexpected error (e.g. the report
// could not be written), 5 inconclusive (no finding, but the run was too
// short to judge every trend; the message says how long it must be). See
// docs/cli.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/failpoints.h"
#include "probes/heap_profiler.h"
#include "reports/writers.h"
#include "soak/canaries/canaries_command.h"
#include "soak/compare/subcommand.h"
#include "soak/heapview/heap_view.h"
#include "soak/runner/run_context.h"
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
        const std::optional<std::string>& duration, bool no_probes, bool force) {
  using namespace plateau::soak;
  RunRequest request;
  request.scenario_path = scenario;
  if (out) {
    // Checked (empty, over-long, not a folder) by validate_out_path
    // (soak/runner/out_dir.h) before anything is read or created.
    request.out_dir = *out;
  }
  if (seed) request.seed = parse_flag("--seed", *seed, [](const std::string& t) { return parse_seed(t); });
  request.failpoints = failpoints;
  request.probes_enabled = !no_probes;
  request.force = force;
  if (clock) request.clock = parse_flag("--clock", *clock, [](const std::string& t) { return parse_clock(t); });
  if (duration) {
    request.duration = parse_flag("--duration", *duration, [](const std::string& t) { return parse_duration(t); });
  }
  StopSignal stop;
  RunOutcome outcome = run_soak(request, std::cerr, &stop);
  std::cout << outcome.report_json.string() << "\n";
  // The page a person opens next, named last so it is the line they see.
  std::cerr << "plateau: report: " << (outcome.out_dir / plateau::reports::kHtmlFileName).string() << "\n";
  return outcome.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // tcmalloc builds: heap sampling must be configured before the process starts.
  plateau::probes::reexec_with_heap_sampling(argv);
  // SIGINT/SIGTERM wait (pending) until `run` installs its StopSignal, so a
  // signal during start-up still yields a partial report; other
  // subcommands unblock them after parsing (see stop_signal.h).
  plateau::soak::block_stop_signals();

  CLI::App app{"plateau: memory-leak soak harness. Compresses a day of trading-engine load into a minute "
               "and says whether memory stayed bounded."};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print version, git revision (and dirty flag), allocator and build type");
  app.footer(
      "Exit codes: 0 bounded / passed, 1 leak, broken invariant, regression or missed canary, 2 bad input "
      "(the message names the field, the value and why), 3 interrupted (partial report written), "
      "4 unexpected error, 5 inconclusive (no finding, but too few windows to judge every trend: run longer). Each subcommand's --help lists its own.");

  std::string scenario;
  std::optional<std::string> out, clock, duration;
  // Text, parsed by the scenario's seed rule: CLI11 would wrap "-1" to 2^64-1.
  std::optional<std::string> seed;
  std::vector<std::string> failpoints;
  bool no_probes = false;
  bool force = false;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a soak scenario and write its report");
  run_cmd->add_option("scenario", scenario, "Scenario JSON file (e.g. soak/scenarios/nightly.json)")->required();
  run_cmd->add_option("--out", out, "Output folder (default: a new folder under plateau-out/)");
  run_cmd->add_option("--seed", seed, "Seed override: the same scenario and seed give the same events");
  run_cmd->add_option("--failpoint", failpoints, "Switch a failpoint on (repeatable); see `plateau failpoints`");
  run_cmd->add_option("--clock", clock, "sim (virtual time, default) or wall (paced in real time)");
  run_cmd->add_option("--duration", duration, "Virtual duration override, e.g. 30m, 6h");
  run_cmd->add_flag("--no-probes", no_probes, "Drive the load without sampling (benchmark of the probes' cost)");
  run_cmd->add_flag("--force", force,
                    "Replace the report in a non-empty --out folder (its report files, heap dumps and plan "
                    "store are removed first); without it such a folder is refused");
  run_cmd->footer(
      "Exit codes: 0 bounded, 1 leak or broken invariant, 2 bad input (scenario field, failpoint or option, "
      "named with its value and why; nothing is run), 3 interrupted by SIGINT/SIGTERM (partial report marked "
      "incomplete), 4 unexpected error (e.g. the report could not be written), 5 inconclusive (no finding, but "
      "too few verdict windows to judge every trend; the message says how long a run must be).");
  CLI::App* fp_cmd = app.add_subcommand("failpoints", "List every failpoint with its one-line description");
  fp_cmd->footer("Exit codes: 0 listed, 4 unexpected error.");
  const plateau::soak::Subcommand more[] = {
      plateau::soak::add_canaries_command(app), plateau::soak::add_compare_command(app),
      plateau::soak::add_merge_command(app),    plateau::soak::add_report_command(app),
      plateau::soak::add_heap_command(app),
      plateau::soak::add_watch_command(app)};
  // Footers for subcommands defined elsewhere, set here so every --help
  // lists its exit codes (heap and watch set their own).
  const char* const footers[] = {
      "Exit codes: 0 every canary detected and every clean run bounded, 1 a canary missed or a clean run not "
      "bounded, 2 bad input, 4 unexpected error.",
      "Exit codes: 0 no regression, 1 at least one series regressed, 2 bad input (unreadable or invalid "
      "report.json, bad tolerance), 4 unexpected error.",
      "Exit codes: 0 every shard bounded, 1 a shard leaked, 3 a shard was interrupted, 4 a shard errored, 5 a shard inconclusive, 2 bad input (no "
      "report.json found, unreadable report), 4 unexpected error.",
      "Exit codes: 0 re-rendered, 2 bad input (unreadable or invalid report.json), 4 unexpected error.",
  };
  for (std::size_t i = 0; i < std::size(footers); ++i) more[i].app->footer(footers[i]);

  try {
    app.parse(argc, argv);
    if (!run_cmd->parsed()) plateau::soak::unblock_stop_signals();
  } catch (const CLI::ParseError& e) {
    plateau::soak::unblock_stop_signals();
    const int code = app.exit(e);
    return code == 0 ? 0 : plateau::soak::kExitBadInput;
  }

  if (show_version) {
    std::cout << plateau::soak::build_summary_line();
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::cerr << app.help() << "plateau: bad input: a subcommand is required (or --version)\n";
    return plateau::soak::kExitBadInput;
  }

  try {
    if (fp_cmd->parsed()) return list_failpoints();
    for (const auto& command : more) {
      if (command.app->parsed()) return command.run();
    }
    return run(scenario, out, seed, failpoints, clock, duration, no_probes, force);
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

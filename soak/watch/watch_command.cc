#include "soak/watch/watch_command.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "soak/runner/stop_signal.h"
#include "soak/watch/watch_runner.h"

namespace plateau::soak {

namespace {

struct WatchArgs {
  std::vector<std::string> command;
  std::optional<int> pid;
  std::optional<std::string> config, out, duration, warm_up, window, sample_interval, horizon, load, heap;
  std::optional<double> alpha, relative, abs_bytes, abs_threads, abs_fds, abs_processes;
  bool no_children = false;
  std::optional<std::uint64_t> heap_interval_bytes, heap_sample_bytes;
  std::optional<std::size_t> max_keys;
};

int run_watch_command(const WatchArgs& a) {
  using namespace plateau::soak::watch;
  WatchOptions o;
  if (a.config) apply_config_file(o, *a.config);
  if (!a.command.empty()) o.command = a.command;
  if (a.pid) o.pid = *a.pid;
  if (a.out) o.out_dir = *a.out;
  if (a.duration) o.duration = parse_watch_duration("--duration", *a.duration);
  if (a.warm_up) o.warm_up = parse_watch_duration("--warm-up", *a.warm_up);
  if (a.window) o.window = parse_watch_duration("--window", *a.window);
  if (a.sample_interval) o.sample_interval = parse_watch_duration("--sample-interval", *a.sample_interval);
  if (a.horizon) o.horizon = parse_watch_duration("--horizon", *a.horizon);
  if (a.load) o.load = *a.load;
  if (a.heap) {
    const auto mode = parse_heap_mode(*a.heap);
    if (!mode) throw WatchInputError("--heap " + *a.heap + ": must be jemalloc, tcmalloc or none");
    o.heap = *mode;
  }
  if (a.alpha) o.alpha = *a.alpha;
  if (a.relative) o.relative_tolerance = *a.relative;
  if (a.abs_bytes) o.absolute_by_unit["bytes"] = *a.abs_bytes;
  if (a.abs_threads) o.absolute_by_unit["threads"] = *a.abs_threads;
  if (a.abs_fds) o.absolute_by_unit["fds"] = *a.abs_fds;
  if (a.abs_processes) o.absolute_by_unit["processes"] = *a.abs_processes;
  if (a.no_children) o.children = false;
  if (a.heap_interval_bytes) o.heap_interval_bytes = *a.heap_interval_bytes;
  if (a.heap_sample_bytes) o.heap_sample_bytes = *a.heap_sample_bytes;
  if (a.max_keys) o.max_keys = *a.max_keys;
  StopSignal stop;
  const WatchOutcome outcome = run_watch(o, std::cerr, &stop);
  std::cout << outcome.report_json.string() << "\n";
  return outcome.exit_code;
}

}  // namespace

Subcommand add_watch_command(CLI::App& app) {
  auto a = std::make_shared<WatchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "watch",
      "Soak any Linux process: launch `-- CMD [ARGS...]` or attach with --pid; sample /proc (RSS, PSS, "
      "anonymous "
      "memory, threads by name, fds by target, processes by name; the target and its descendants summed) and "
      "judge it with the soak verdict. Exit 0 bounded, 1 leak, "
      "2 bad input, 3 interrupted, 5 inconclusive (too short to judge). See docs/watch.md");
  cmd->add_option("command", a->command, "The command to launch (after --)");
  cmd->add_option("--pid", a->pid, "Attach to this running process instead of launching one");
  cmd->add_option("--config", a->config, "Watch config JSON (docs/watch.md); flags override it");
  cmd->add_option("--out", a->out, "Output folder (default: a new folder under plateau-out/)");
  cmd->add_option("--duration", a->duration, "Wall-clock length of the watch, e.g. 10m (default 10m)");
  cmd->add_option("--warm-up", a->warm_up, "Not judged for trend (default: a tenth of the duration)");
  cmd->add_option("--window", a->window,
                  "Window whose minimum feeds the trend (default: a twentieth of the duration)");
  cmd->add_option("--sample-interval", a->sample_interval, "Time between /proc samples (default 1s)");
  cmd->add_option("--horizon", a->horizon, "Project growth over this span (default: the duration), e.g. 7d");
  cmd->add_option("--alpha", a->alpha, "Mann-Kendall significance level (default 0.01)");
  cmd->add_option("--relative-tolerance", a->relative,
                  "Projected growth must exceed this share of the level (0.05)");
  cmd->add_option("--tolerance-bytes", a->abs_bytes, "Absolute tolerance for memory series (default 4 MiB)");
  cmd->add_option("--tolerance-threads", a->abs_threads, "Absolute tolerance for thread series (default 1)");
  cmd->add_option("--tolerance-fds", a->abs_fds, "Absolute tolerance for descriptor series (default 2)");
  cmd->add_option("--tolerance-processes", a->abs_processes,
                  "Absolute tolerance for process-count series (default 1)");
  cmd->add_flag("--no-children", a->no_children,
                "Judge the target pid only, not the target and its descendants summed (the default)");
  cmd->add_option("--load", a->load, "A load command run alongside with sh -c; stopped when the watch ends");
  cmd->add_option("--heap", a->heap,
                  "jemalloc | tcmalloc | none (launch mode): preload the allocator with profiling");
  cmd->add_option("--heap-interval-bytes", a->heap_interval_bytes,
                  "With --heap: the target writes a dump per this many bytes allocated (default 1 GiB)");
  cmd->add_option("--heap-sample-bytes", a->heap_sample_bytes,
                  "With --heap jemalloc: a sampled backtrace per this many bytes (default 512 KiB)");
  cmd->add_option("--max-keys", a->max_keys, "Distinct thread names / fd targets kept per kind (default 32)");
  return Subcommand{cmd, [a] { return run_watch_command(*a); }};
}

}  // namespace plateau::soak

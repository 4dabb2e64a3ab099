#include "soak/watch/watch_runner.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <limits>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "probes/process_groups.h"
#include "probes/process_probe.h"
#include "reports/atomic_file.h"
#include "reports/svg_chart.h"
#include "reports/writers.h"
#include "soak/runner/progress_line.h"
#include "soak/runner/run_context.h"
#include "soak/runner/run_request.h"
#include "soak/scenario/scenario.h"
#include "soak/verdict/report_view.h"
#include "soak/watch/child_process.h"
#include "soak/watch/heap_capture.h"
#include "soak/watch/proc_sampler.h"
#include "soak/watch/process_tree.h"

namespace plateau::soak::watch {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double cpu_seconds_now() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string target_label(const WatchOptions& o) {
  if (o.pid) return "pid " + std::to_string(*o.pid);
  return fs::path(o.command.front()).filename().string();
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string seconds_text(double t_s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", t_s);
  return buf;
}

fs::path default_out_dir(const std::string& label) {
  std::string safe;
  for (char c : label)
    safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  const std::string stem = compact_utc(std::chrono::system_clock::now()) + "-watch-" + safe;
  fs::path dir = fs::path("plateau-out") / stem;
  for (int n = 2; fs::exists(dir); ++n) dir = fs::path("plateau-out") / (stem + "-" + std::to_string(n));
  return dir;
}

// Wide CSV: t_s, then one column per series; a series compacted away at
// some instant (see ProcSampler) leaves its cell empty there.
std::string render_csv(const ProcSampler& sampler) {
  std::map<double, std::vector<std::optional<double>>> rows;
  const std::size_t n = sampler.series().size();
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& [t, v] : sampler.points(i)) {
      auto& row = rows[t];
      row.resize(n);
      row[i] = v;
    }
  }
  std::ostringstream out;
  out << "t_s";
  for (const WatchSeries& s : sampler.series()) out << "," << s.name;
  out << "\n";
  for (const auto& [t, row] : rows) {
    out << t;
    for (std::size_t i = 0; i < n; ++i) {
      out << ",";
      if (i < row.size() && row[i]) out << *row[i];
    }
    out << "\n";
  }
  return out.str();
}

// The target: launched by us, or attached to by pid.
struct Target {
  std::optional<ChildProcess> child;
  int pid = 0;
  std::optional<ExitState> end;  // set once it ended during the watch
  bool end_status_known = true;
};

// Launch mode with the tree on: plateau is a child subreaper, so the
// target's orphans (a daemon's double fork, a wrapper's children after the
// wrapper exits, setsid() grandchildren) become plateau's children instead
// of init's and stay in the watched tree. Those are every child of plateau
// except the target itself and the load command (and what the load left in
// its own process group). Zombies among them are reaped here, as init would.
std::vector<int> adopted_orphans(int target_pid, int load_pid) {
  std::vector<int> out;
  for (int pid : children_of(::getpid())) {
    if (pid == target_pid || pid == load_pid) continue;
    TreeMember m;
    if (!read_member(pid, m)) continue;
    if (load_pid > 0 && m.pgid == load_pid) {
      if (m.zombie()) ::waitpid(pid, nullptr, WNOHANG);
      continue;
    }
    if (m.zombie()) {
      ::waitpid(pid, nullptr, WNOHANG);
      continue;
    }
    out.push_back(pid);
  }
  return out;
}

std::string comm_list(const std::vector<TreeMember>& members, std::size_t max_items = 6) {
  std::map<std::string, int> counts;
  for (const TreeMember& m : members) ++counts[m.comm];
  std::string out;
  std::size_t n = 0;
  for (const auto& [comm, count] : counts) {
    if (n++ == max_items) {
      out += ", ...";
      break;
    }
    out += (out.empty() ? "" : ", ") + comm + (count > 1 ? " x" + std::to_string(count) : "");
  }
  return out;
}

// Stops what is left of the launched target's tree after its process group
// was signalled: processes that left the group (setsid, daemons) and were
// adopted by plateau. SIGTERM, up to `grace`, then SIGKILL; all reaped.
// Returns those that were not in the target's group (`group`) any more.
std::vector<TreeMember> stop_leftovers(int group, int load_pid, std::chrono::milliseconds grace) {
  std::vector<TreeMember> left = walk_tree(adopted_orphans(-1, load_pid));
  std::erase_if(left, [](const TreeMember& m) { return m.zombie(); });
  if (left.empty()) return left;
  for (const TreeMember& m : left) ::kill(m.pid, SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline && !walk_tree(adopted_orphans(-1, load_pid)).empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (const TreeMember& m : walk_tree(adopted_orphans(-1, load_pid))) ::kill(m.pid, SIGKILL);
  for (int i = 0; i < 50 && !walk_tree(adopted_orphans(-1, load_pid)).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Members still in the group had the group's SIGTERM and were only slow.
  std::erase_if(left, [group](const TreeMember& m) { return m.pgid == group; });
  return left;
}

}  // namespace

WatchOutcome run_watch(const WatchOptions& options, std::ostream& log, const StopSignal* stop) {
  validate(options);
  if (options.pid && ::kill(*options.pid, 0) != 0 && errno == ESRCH) {
    throw WatchInputError("--pid " + std::to_string(*options.pid) + ": no such process");
  }
  const fs::path out_dir = options.out_dir ? *options.out_dir : default_out_dir(target_label(options));
  fs::create_directories(out_dir);
  // A target writing under the watch's folder (its heap dumps) gets fd group
  // names that do not depend on where the watch was written.
  probes::set_run_folders({{out_dir.string(), "[out]"}});
  const double duration_s = seconds(options.duration);
  const double interval_s = seconds(options.sample_interval);
  const double warm_up_s = seconds(options.effective_warm_up());
  const double window_s = seconds(options.effective_window());

  reports::Report report;
  report.context = build_and_host_context();
  const auto wall_start = std::chrono::system_clock::now();
  report.context.start_time = iso8601_utc(wall_start);
  report.context.scenario_name = "watch " + target_label(options);
  report.context.scenario_path = options.config_path ? options.config_path->string() : std::string();
  report.context.clock_mode = "wall";

  // 1. Start what we launch; everything that can be refused was refused above.
  HeapPlan heap_plan = plan_heap(options.pid ? HeapMode::none : options.heap, options.command,
                                 out_dir / "heap", options.heap_interval_bytes, options.heap_sample_bytes);
  Target target;
  // Launch mode, tree on: keep the target's orphans (see adopted_orphans).
  const bool adopting = !options.pid && options.children;
  if (adopting) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (options.pid) {
    target.pid = *options.pid;
    target.end_status_known = false;
    report.notes.push_back("attached to pid " + std::to_string(target.pid) +
                           ": /proc series only; the process is left running");
    if (options.heap != HeapMode::none) {
      report.notes.push_back("heap: --heap " + std::string(to_string(options.heap)) +
                             " needs launch mode (an allocator cannot be preloaded into a running process); "
                             "judging the /proc series only");
    }
  } else {
    target.child.emplace(ChildProcess::launch(options.command, heap_plan.env));
    target.pid = target.child->pid();
    report.notes.push_back("launched `" + joined(options.command) + "` as pid " + std::to_string(target.pid) +
                           (heap_plan.mode == HeapMode::none
                                ? std::string()
                                : ", heap profiling with " + std::string(to_string(heap_plan.mode)) +
                                      " (preloaded " + heap_plan.library.string() + ")"));
  }
  if (!heap_plan.unavailable_reason.empty()) report.notes.push_back("heap: " + heap_plan.unavailable_reason);
  const Clock::time_point t0 = Clock::now();
  auto now_s = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::optional<ChildProcess> load;
  if (options.load) load.emplace(ChildProcess::shell(*options.load));

  log << "plateau: watching " << (options.pid ? "pid " + std::to_string(target.pid) : joined(options.command))
      << " for " << format_duration(options.duration) << " (sample every "
      << format_duration(options.sample_interval) << ", warm-up "
      << format_duration(options.effective_warm_up()) << ", window "
      << format_duration(options.effective_window()) << ")\n";
  log.flush();

  ProcSampler sampler(target.pid, options.max_keys, options.children);
  sampler.set_growth_origin(warm_up_s);
  const int load_pid = load ? load->pid() : -1;
  // Set once the launched target ended while processes of its tree lived on
  // (a daemon, a wrapper's children): those are watched as the target.
  std::optional<ExitState> outlived;
  std::vector<TreeMember> outliving;
  // Buckets of an eighth of a window, on the windows' grid: the verdict
  // stays exact and a long watch keeps a few points per window, not per pass.
  const bool compacting = window_s / 8 >= 4 * interval_s;
  if (compacting) sampler.compact(warm_up_s, window_s / 8);
  HeapCollector heap(heap_plan, target.pid);
  ProgressLine progress(options.progress_stream);
  const double cpu_start = cpu_seconds_now();

  // 2. Sample until the duration, the target's end or a stop request.
  auto target_ended = [&](double t) {
    if (target.child) return target.child->poll(t).has_value();
    return ::kill(target.pid, 0) != 0 && errno == ESRCH;
  };
  bool interrupted = false;
  double next_window_s = warm_up_s;
  std::size_t pass = 0;
  double reached_s = 0;
  for (;;) {
    const double t = now_s();
    if (stop && stop->requested()) {
      interrupted = true;
      reached_s = t;
      break;
    }
    if (t >= duration_s) {
      reached_s = duration_s;
      break;
    }
    if (adopting) {
      std::vector<int> roots;
      if (!outlived) roots.push_back(target.pid);
      for (int pid : adopted_orphans(target.pid, load_pid)) roots.push_back(pid);
      sampler.set_roots(roots);
    }
    if (!outlived && target_ended(t)) {
      const std::vector<TreeMember> left =
          adopting ? walk_tree(adopted_orphans(target.pid, load_pid)) : std::vector<TreeMember>();
      if (left.empty()) {
        reached_s = t;
        break;
      }
      outlived = *target.child->state();
      outliving = left;
      std::vector<int> roots;
      for (const TreeMember& m : left) roots.push_back(m.pid);
      sampler.set_roots(roots);
    }
    try {
      sampler.sample(t);
    } catch (const probes::ProcessGone&) {
      // Gone from /proc (or a zombie): a launched child is about to be
      // reapable; give it a moment so its real exit status is recorded.
      reached_s = t;
      for (int i = 0; i < 100 && target.child && !outlived && !target_ended(t); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      break;
    }
    if (load) load->poll(t);
    if (t >= next_window_s) {
      heap.checkpoint(t);
      while (next_window_s <= t) next_window_s += window_s;
    }
    ++pass;
    progress.update(t, duration_s, pass);
    // Sleep to the next pass, waking every 50 ms for a stop request or the target's end.
    const double next_s = static_cast<double>(pass) * interval_s;
    while (now_s() < next_s) {
      if ((stop && stop->requested()) || (!outlived && target_ended(now_s()))) break;
      std::this_thread::sleep_for(
          std::chrono::duration<double>(std::min(0.05, std::max(0.0, next_s - now_s()))));
    }
  }
  progress.finish();
  const double cpu_loop_s = cpu_seconds_now() - cpu_start;
  const double wall_loop_s = now_s();

  // 3. Stop what we started; record how the target ended.
  if (outlived) {
    // The target ended but its tree lived on and was watched as the target.
    const bool tree_ended = reached_s < duration_s && !interrupted;
    report.notes.push_back(
        "target " + outlived->describe() + " at t=" + seconds_text(outlived->t_s) + " leaving " +
        std::to_string(outliving.size()) + " process(es) of its tree running (" + comm_list(outliving) +
        ": daemonized, or a wrapper's children); they were watched as the target " +
        (tree_ended
             ? "until the last one ended at t=" + seconds_text(reached_s) + "; series judged up to then"
             : std::string("to the end of the watch")));
    report.scenario.parameters["target.end_t_s"] = outlived->t_s;
    if (outlived->exited) report.scenario.parameters["target.exit_status"] = outlived->status;
    if (outlived->signaled) report.scenario.parameters["target.signal"] = outlived->signal;
    if (tree_ended) report.scenario.parameters["target.tree_end_t_s"] = reached_s;
  } else if (target.child) {
    if (const auto& state = target.child->poll(reached_s); state && !state->stopped_by_us)
      target.end = *state;
  } else if (reached_s < duration_s && !interrupted) {
    ExitState gone;
    gone.t_s = reached_s;
    target.end = gone;
  }
  const fs::path target_binary =
      options.pid ? fs::path("/proc/" + std::to_string(target.pid) + "/exe")
                  : resolve_command(options.command.front()).value_or(options.command.front());
  if (target.child && !target.child->state()) target.child->stop(now_s());
  if (adopting) {
    // What left the target's process group (setsid, a daemon) was adopted
    // by plateau: stop it too rather than leave it running.
    const std::vector<TreeMember> stopped =
        stop_leftovers(target.pid, load_pid, std::chrono::milliseconds(2000));
    if (!stopped.empty()) {
      report.notes.push_back("stopped " + std::to_string(stopped.size()) +
                             " process(es) of the target's tree that had left its process group (" +
                             comm_list(stopped) +
                             ", e.g. after setsid()) at the end of the watch: SIGTERM, SIGKILL after 2 s");
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  if (sampler.unreadable_processes() > 0) {
    report.notes.push_back(std::to_string(sampler.unreadable_processes()) +
                           " process(es) of the tree could not be read (another user's: no permission); "
                           "they are counted in process.processes, their memory, threads and fds are not");
  }
  if (sampler.stopped_passes() > 0) {
    report.notes.push_back("the target was stopped (state T) in " + std::to_string(sampler.stopped_passes()) +
                           " of " + std::to_string(sampler.passes()) +
                           " passes: a stopped program does not grow, so those passes say nothing about "
                           "a leak (was it sent SIGSTOP/SIGTSTP, or is it traced?)");
  }
  if (options.children) {
    report.notes.push_back(
        "series are totals over the target and its live descendants (--no-children: the target pid only); "
        "process.rss_bytes sums each process's RSS, counting shared pages once per process, so it is "
        "recorded and process.pss_bytes/process.anon_bytes are judged");
  }
  if (target.end) {
    std::string how = target.end_status_known ? "target " + target.end->describe()
                                              : "target (pid " + std::to_string(target.pid) +
                                                    ") disappeared (not our child: exit status unknown)";
    how += " at t=" + seconds_text(target.end->t_s) + " of " + seconds_text(duration_s) +
           "; series judged up to then";
    if (target.end->signaled && target.end->signal == SIGKILL) {
      how += " (a SIGKILL plateau did not send is often the kernel's OOM killer: see `dmesg`)";
    }
    report.notes.push_back(how);
    report.scenario.parameters["target.end_t_s"] = target.end->t_s;
    if (target.end->exited) report.scenario.parameters["target.exit_status"] = target.end->status;
    if (target.end->signaled) report.scenario.parameters["target.signal"] = target.end->signal;
  }
  if (load) {
    const bool ran_out = load->poll(reached_s).has_value();
    const ExitState& ls = ran_out ? *load->state() : load->stop(reached_s);
    report.notes.push_back(
        "load `" + *options.load + "` " +
        (ran_out ? ls.describe() + " at t=" + seconds_text(ls.t_s)
                 : std::string("was still running at the end and was stopped (") + ls.describe() + ")"));
    if (ls.exited) report.scenario.parameters["load.exit_status"] = ls.status;
    if (ls.signaled) report.scenario.parameters["load.signal"] = ls.signal;
  }
  report.heap_profile = heap.finish(reached_s, target_binary);
  if (heap_plan.mode != HeapMode::none && !report.heap_profile.reason.empty()) {
    report.notes.push_back("heap: " + report.heap_profile.reason + "; judging the /proc series only");
  }
  if (const std::string note = heap.unwinder_note(); !note.empty()) report.notes.push_back(note);

  // 4. Judge, with the same verdict as `plateau run`.
  const VerdictSettings settings = verdict_settings_for(options);
  // With compaction, a trailing partial window must not be judged (the
  // compacted points' wider gaps would make the verdict count it): judge up
  // to the end of the last window the raw passes completed, as on raw data.
  double judged_until_s = std::numeric_limits<double>::infinity();
  if (compacting && !sampler.times().empty()) {
    // The passes covered up to the end of the loop (the duration, or the
    // target's end) even when the last pass ran late on a loaded machine:
    // a late pass must not cost the last complete window.
    const double reach_s = std::max(sampler.times().back() + interval_s, reached_s);
    judged_until_s = warm_up_s + std::floor((reach_s - warm_up_s) / window_s + 1e-9) * window_s;
  }
  std::vector<SeriesInput> inputs;
  for (std::size_t si = 0; si < sampler.series().size(); ++si) {
    const WatchSeries& s = sampler.series()[si];
    if (!s.judged) continue;
    SeriesInput in;
    in.name = s.name;
    in.component = "process";
    in.kind = SeriesKind::process;
    in.unit = s.unit;
    in.never_zero = s.never_zero;
    for (const auto& [t, v] : sampler.points(si)) {
      if (t < judged_until_s) in.samples.push_back(Point{t, v});
    }
    inputs.push_back(std::move(in));
  }
  const VerdictResult verdict = judge(inputs, settings);
  // Complete windows the verdict saw, and how many a trend needs before it
  // can be significant at all: a watch with fewer says "too short", never
  // "bounded" (a steady leak over 5 windows is p = 0.014 at best).
  std::size_t windows = 0;
  for (const SeriesAnalysis& a : verdict.series) windows = std::max(windows, a.window_minima.size());
  const std::size_t needed = windows_needed(settings);
  const bool too_short = windows < needed;

  // 5. Present.
  std::map<std::string, const SeriesAnalysis*> analysis;
  for (const SeriesAnalysis& a : verdict.series) analysis[a.name] = &a;
  for (std::size_t si = 0; si < sampler.series().size(); ++si) {
    const WatchSeries& s = sampler.series()[si];
    reports::Series out;
    out.name = s.name;
    out.unit = s.unit;
    out.component = "process";
    out.family = "process";
    std::vector<reports::Point> all;
    for (const auto& [t, v] : sampler.points(si)) all.push_back({t, v});
    out.samples = reports::downsample_min_max(all, 1500);
    if (auto a = analysis.find(s.name); a != analysis.end()) describe_judged(*a->second, out);
    report.series.push_back(std::move(out));
  }
  for (const Finding& f : verdict.findings) {
    reports::Finding out = to_report(f);
    const WatchSeries* ws = nullptr;
    for (const WatchSeries& s : sampler.series()) ws = s.name == f.series ? &s : ws;
    if (ws && ws->unit == "bytes" && !heap.top_site_line().empty())
      out.message += "; " + heap.top_site_line();
    if (ws && ws->unit == "bytes") {
      // In a tree of several programs, say whose memory grew.
      const auto [comm, growth] = sampler.top_growing_comm();
      if (!comm.empty() && growth > 0) {
        char mib[32];
        std::snprintf(mib, sizeof mib, "%.1f MiB", growth / (1024.0 * 1024.0));
        out.message += "; anonymous memory grew most in `" + comm + "` processes (+" + mib +
                       " from t=" + seconds_text(warm_up_s) + " to the last sample)";
      }
    }
    report.findings.push_back(std::move(out));
  }

  const bool memory_finding = std::any_of(report.findings.begin(), report.findings.end(), [](const auto& f) {
    return f.series == "process.anon_bytes" || f.series == "process.pss_bytes" ||
           f.series == "process.rss_bytes";
  });
  if (memory_finding && sampler.saw_comm("java")) {
    // A clean JVM's RSS ramps for tens of seconds (heap regions committed
    // and touched as the young generation grows toward its working size,
    // JIT code, metaspace) before it levels off.
    report.notes.push_back(
        "a JVM grows its memory lazily toward its working heap size (up to -Xmx, a quarter of RAM by "
        "default): if process.anon_bytes levels off in series.csv, the growth is that ramp; rerun with "
        "--warm-up past it, or fix the heap (-Xms equal to -Xmx; with -XX:+AlwaysPreTouch a Java-heap "
        "leak then no longer grows RSS and ends in OutOfMemoryError, reported as the target's exit)");
  }
  report.scenario.duration_s = duration_s;
  report.scenario.warmup_s = warm_up_s;
  report.scenario.sample_interval_s = interval_s;
  report.scenario.window_s = window_s;
  report.scenario.parameters["horizon_s"] = settings.horizon_s;
  report.scenario.parameters["tolerance.alpha"] = settings.alpha;
  report.scenario.parameters["tolerance.relative"] = settings.relative_tolerance;
  for (const auto& [unit, v] : settings.absolute_by_unit)
    report.scenario.parameters["tolerance.absolute." + unit] = v;
  report.scenario.parameters["watch.pid"] = target.pid;
  report.scenario.parameters["watch.max_keys"] = static_cast<double>(options.max_keys);
  report.scenario.parameters["watch.children"] = options.children ? 1.0 : 0.0;
  report.scenario.parameters["watch.windows_measured"] = static_cast<double>(windows);
  report.scenario.parameters["plateau.cpu_seconds"] = cpu_loop_s;
  report.scenario.parameters["plateau.sample_storage_bytes"] = static_cast<double>(sampler.storage_bytes());
  report.context.allocator =
      heap_plan.mode == HeapMode::none ? "target's own" : std::string(to_string(heap_plan.mode));
  report.context.wall_duration_s = wall_loop_s;
  report.context.events_processed = sampler.passes();
  report.context.events_per_s =
      wall_loop_s > 0 ? static_cast<double>(sampler.passes()) / wall_loop_s : 0;

  WatchOutcome outcome;
  if (interrupted) {
    report.verdict = reports::Verdict::incomplete;
    report.incomplete = true;
    report.incomplete_reason = "interrupted by " +
                               signal_name(stop->signal_number() ? stop->signal_number() : SIGINT) +
                               " at t=" + seconds_text(reached_s) + " of " + seconds_text(duration_s);
    outcome.exit_code = kExitInterrupted;
  } else if (too_short) {
    // Worded as `plateau run` words an inconclusive run: the reason, then
    // the shortest watch (warm-up as set) that would be conclusive.
    report.verdict = reports::Verdict::incomplete;
    report.incomplete = true;
    const double minimum_s = warm_up_s + static_cast<double>(needed) * window_s;
    report.minimum_conclusive_duration_s = std::ceil(minimum_s / 60 - 1e-6) * 60;  // whole minutes
    const std::string minimum = format_duration(std::chrono::duration_cast<Duration>(
        std::chrono::seconds(static_cast<long long>(*report.minimum_conclusive_duration_s))));
    report.incomplete_reason =
        "too short to judge: " + std::to_string(windows) + " complete window(s) of " +
        seconds_text(window_s) + " after the warm-up, the verdict needs " + std::to_string(needed) +
        " at alpha " + std::to_string(settings.alpha).substr(0, 6) +
        (target.end ? " (the target ended early)" : "") + "; a watch of at least " + minimum +
        " (--duration) would be conclusive";
    outcome.exit_code = kExitInconclusive;
  } else if (verdict.bounded() && 2 * sampler.stopped_passes_judged() > sampler.passes_judged()) {
    // Flat because it did not run: not evidence of "bounded".
    report.verdict = reports::Verdict::incomplete;
    report.incomplete = true;
    report.incomplete_reason = "inconclusive: the target was stopped (state T) in " +
                               std::to_string(sampler.stopped_passes_judged()) + " of " +
                               std::to_string(sampler.passes_judged()) +
                               " passes after the warm-up; a stopped program cannot grow, so its flat "
                               "series are no evidence of bounded";
    outcome.exit_code = kExitInconclusive;
  } else if (verdict.bounded() && verdict.inconclusive && !verdict.inconclusive->unmeasured.empty()) {
    // A reading that was 0 throughout measured nothing (docs/verdict.md).
    report.verdict = reports::Verdict::incomplete;
    report.incomplete = true;
    report.incomplete_reason = "inconclusive: " + verdict.inconclusive->reason;
    outcome.exit_code = kExitInconclusive;
  } else {
    report.verdict = verdict.bounded() ? reports::Verdict::bounded : reports::Verdict::leak;
    outcome.exit_code = verdict.bounded() ? kExitBounded : kExitLeak;
  }

  outcome.out_dir = out_dir;
  reports::write_all(report, out_dir);
  reports::write_file_atomically(out_dir / "series.csv", render_csv(sampler));
  outcome.report_json = out_dir / reports::kJsonFileName;
  outcome.verdict = report.verdict;
  outcome.passes = sampler.passes();
  outcome.wall_seconds = wall_loop_s;
  outcome.plateau_cpu_seconds = cpu_loop_s;
  outcome.sample_storage_bytes = sampler.storage_bytes();

  char line[256];
  std::snprintf(line, sizeof line,
                "plateau: verdict %s (%zu findings); %zu samples in %.1f s wall; plateau used %.3f s CPU "
                "(%.2f%% of one core)",
                std::string(reports::to_string(report.verdict)).c_str(), report.findings.size(),
                outcome.passes, wall_loop_s, cpu_loop_s,
                wall_loop_s > 0 ? 100.0 * cpu_loop_s / wall_loop_s : 0.0);
  outcome.summary = line;
  log << line << "\n";
  if (report.incomplete) log << "  " << report.incomplete_reason << "\n";
  for (const std::string& note : report.notes) log << "  note: " << note << "\n";
  for (std::size_t i = 0; i < report.findings.size() && i < 10; ++i) {
    const reports::Finding& f = report.findings[i];
    log << "  " << reports::to_string(f.kind) << " " << f.series << ": " << f.message << "\n";
  }
  if (report.findings.size() > 10)
    log << "  ... and " << report.findings.size() - 10 << " more in the report\n";
  log << "plateau: report written to " << outcome.report_json.string() << "\n";
  return outcome;
}

}  // namespace plateau::soak::watch

#include "soak/runner/soak_runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include "harness/harness.h"
#include "reports/atomic_file.h"
#include "reports/writers.h"
#include "soak/runner/harness_mapping.h"
#include "probes/instrumentation_arena.h"
#include "probes/process_groups.h"
#include "soak/runner/heap_session.h"
#include "soak/runner/out_dir.h"
#include "soak/runner/progress_line.h"
#include "soak/runner/report_assembly.h"
#include "soak/runner/run_context.h"
#include "soak/runner/sample_recorder.h"
#include "soak/runner/site_assembly.h"
#include "soak/verdict/report_view.h"

namespace plateau::soak {

namespace {

std::filesystem::path self_binary() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("plateau") : path;
}

// A fresh folder plateau-out/<timestamp>-<name>, with a counter if taken.
// The name is sanitised: it comes from the scenario file ("../../x" must not
// leave plateau-out/), so only [A-Za-z0-9._-] survive, at most 64 of them,
// and a name of dots only becomes "scenario".
std::filesystem::path default_out_dir(const std::string& scenario_name) {
  std::string safe_name;
  for (char c : scenario_name.substr(0, 64)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    safe_name += ok ? c : '_';
  }
  if (safe_name.find_first_not_of('.') == std::string::npos) safe_name = "scenario";
  const std::string stem = compact_utc(std::chrono::system_clock::now()) + "-" + safe_name;
  std::filesystem::path dir = std::filesystem::path("plateau-out") / stem;
  for (int n = 2; std::filesystem::exists(dir); ++n) {
    dir = std::filesystem::path("plateau-out") / (stem + "-" + std::to_string(n));
  }
  return dir;
}

// An interrupted or failed run measured only part of its measured phase: no
// series is judged and no statistical claim (a trend) is made. Findings of
// hard evidence (a bound exceeded, an invariant broken, residue found by an
// audit) stay: they happened whatever came after.
void mark_not_judged(reports::Report& report, reports::Verdict status) {
  for (reports::Series& s : report.series) {
    s.judged = false;
    s.verdict = status;
    s.trend.reset();
  }
  std::erase_if(report.findings,
                [](const reports::Finding& f) { return f.kind == reports::FindingKind::trend; });
}

std::string signal_name(int number) {
  if (number == SIGINT) return "SIGINT";
  if (number == SIGTERM) return "SIGTERM";
  return number ? "signal " + std::to_string(number) : "a stop request";
}

// What the harness reports while it runs: samples to the recorder,
// checkpoints to the heap session, progress to the terminal line.
class RunObserver final : public harness::HarnessObserver {
 public:
  struct Checkpoint {
    bool measured_phase_start = false;
    bool heap_dump = false;
  };
  RunObserver(SampleRecorder& recorder, HeapSession& heap, ProgressLine& progress, std::vector<Checkpoint> checkpoints,
              engine::TimePoint start, double total_s)
      : recorder_(recorder), heap_(heap), progress_(progress), checkpoints_(std::move(checkpoints)),
        start_(start), total_s_(total_s) {}

  void on_sample(engine::TimePoint now, const probes::SampleBatch& batch, const probes::SeriesTable& table) override {
    const probes::InstrumentationScope own_memory;  // the recorder is plateau's memory
    recorder_.record(now, batch, table);
  }
  void on_checkpoint(engine::TimePoint now, std::size_t index) override {
    if (index >= checkpoints_.size()) return;
    const double t_s = engine::to_seconds(now - start_);
    const probes::InstrumentationScope own_memory;  // dump parsing and diffs are plateau's
    if (checkpoints_[index].measured_phase_start) heap_.begin_measured_phase(t_s);
    if (checkpoints_[index].heap_dump) heap_.checkpoint(t_s);
  }
  void on_progress(engine::TimePoint now, std::uint64_t events) override {
    progress_.update(engine::to_seconds(now - start_), total_s_, events);
  }

 private:
  SampleRecorder& recorder_;
  HeapSession& heap_;
  ProgressLine& progress_;
  std::vector<Checkpoint> checkpoints_;
  engine::TimePoint start_;
  double total_s_;
};

}  // namespace

RunOutcome run_soak(const RunRequest& request, std::ostream& log, const StopSignal* stop) {
  // 1. Input: everything that can be refused is refused before anything runs.
  Scenario scenario = apply_overrides(load_scenario(request.scenario_path), request);
  const std::filesystem::path out_dir = request.out_dir ? *request.out_dir : default_out_dir(scenario.name);
  // The folder is checked, created and locked only now that the input is
  // accepted; the lock is held until the report set is complete.
  const OutDirLock out_lock = prepare_out_dir(out_dir, request.force, request.out_dir ? "--out" : "output folder");
  HarnessSetup setup = harness_setup_for(scenario, out_dir / "state");
  // fd groups under this run's folders get names that do not depend on where
  // the run was written, so compare sees the same series in two runs.
  probes::set_run_folders({{out_dir.string(), "[out]"}, {(out_dir / "state").string(), "[state]"}});
  setup.options.probes_enabled = request.probes_enabled;
  // The verdict's settings and its window grid (restart segments included):
  // the heap dumps, the recorder's cells and the verdict all follow it.
  const VerdictSettings settings = verdict_settings_for(scenario);
  const WindowGrid grid = window_grid(settings);

  // Checkpoints: the measured phase's start, then the heap-profile ones inside it.
  std::vector<engine::Duration> offsets;
  std::vector<RunObserver::Checkpoint> marks;
  offsets.push_back(scenario.warm_up);
  marks.push_back({true, false});
  // Heap timelines: a dump at every verdict-window boundary too, so each
  // allocation site has one point per window (soak/runner/site_assembly.h).
  std::set<engine::Duration> heap_dumps;
  for (engine::Duration c : scenario.heap_profile_checkpoints) {
    if (c <= scenario.warm_up || c >= scenario.duration) continue;
    heap_dumps.insert(c);
  }
  if (scenario.verdict.sites.enabled && request.probes_enabled) {
    for (double t_s : window_starts(grid, seconds(scenario.duration))) {
      heap_dumps.insert(engine::from_seconds(t_s));
    }
  }
  for (engine::Duration c : heap_dumps) {
    offsets.push_back(c);
    marks.push_back({false, true});
  }
  setup.options.checkpoints = offsets;

  reports::Report report;
  report.context = build_and_host_context();
  const auto wall_start = std::chrono::system_clock::now();
  report.context.start_time = iso8601_utc(wall_start);
  report.context.scenario_name = scenario.name;
  report.context.scenario_path = request.scenario_path.string();
  report.context.seed = scenario.seed;
  report.context.clock_mode = std::string(to_string(scenario.clock));
  report.context.failpoints_on = scenario.failpoints;
  report.context.reproduce_command = reproduce_command(request, scenario);
  report.scenario = scenario_summary(scenario);

  harness::Harness harness(std::move(setup.options), std::move(setup.engine));
  // Memory bounded by the recorder's cells, not by the duration; its cells
  // follow the verdict's window grid so downsampling keeps window minima exact.
  RecorderLayout layout;
  layout.expected_passes =
      static_cast<std::size_t>(seconds(scenario.duration) / seconds(scenario.sample_interval)) + 2;
  layout.grid = grid;
  SampleRecorder recorder(harness.start(), layout);
  HeapSession heap(out_dir / "heap", self_binary(), scenario.verdict.sites.enabled,
                   scenario.verdict.sites.sample_bytes);
  ProgressLine progress(request.progress_stream);
  RunObserver observer(recorder, heap, progress, marks, harness.start(), seconds(scenario.duration));

  log << "plateau: running " << scenario.name << " (" << format_duration(scenario.duration) << " virtual, seed "
      << scenario.seed << ", clock " << to_string(scenario.clock) << ")";
  if (!scenario.failpoints.empty()) {
    log << ", failpoints:";
    for (const auto& f : scenario.failpoints) log << ' ' << f;
  }
  log << "\n";
  log.flush();

  // 2. Measure. A failure inside the run (e.g. the plan store's disk is
  // full) becomes a report with verdict error, never a missing or a
  // complete-looking one.
  heap.begin_run();
  harness::RunSummary run;
  std::string run_error;
  try {
    run = harness.run(&observer, stop ? &stop->flag() : nullptr);
  } catch (const std::exception& e) {
    run_error = e.what();
    run.reached = harness.start();
  }
  progress.finish();
  // A run stopped before its first event reports no instant of its own.
  if (run.reached < harness.start()) run.reached = harness.start();
  const double reached_s = engine::to_seconds(run.reached - harness.start());
  report.heap_profile = heap.finish(reached_s);

  // 3. Analyse.
  VerdictResult verdict = judge(verdict_inputs(recorder), settings);
  JudgedSites sites;
  if (probes::HeapTimelines* timelines = heap.timelines(); timelines && run.completed) {
    sites = judge_heap_sites(*timelines, settings, site_tolerances_for(scenario));
    // Per-site findings on both sampled heaps. tcmalloc's false alarm (a
    // churning cache read as growing) was its blind start: the main thread
    // sampled nothing for its first 16 MiB (heap_profiler_tcmalloc.cc).
    if (report.heap_profile.backend == reports::HeapBackend::jemalloc ||
        report.heap_profile.backend == reports::HeapBackend::tcmalloc) {
      for (const Finding& f : sites.findings) verdict.findings.push_back(f);
    } else if (!sites.findings.empty()) {
      report.notes.push_back(std::to_string(sites.findings.size()) + " allocation site(s) grew past the site "
                             "tolerances on the " + std::string(reports::to_string(report.heap_profile.backend)) +
                             " heap profile; per-site findings are judged on jemalloc builds only "
                             "(docs/verdict.md), so they are ranked in the heap section, not reported as findings");
    }
  }

  // 4. Present.
  report.context.wall_duration_s = run.wall_seconds;
  report.context.events_processed = run.events;
  report.context.events_per_s = run.wall_seconds > 0 ? static_cast<double>(run.events) / run.wall_seconds : 0;
  fill_series_and_findings(report, recorder, verdict,
                           request.probes_enabled ? harness.audit_probe()->residue()
                                                  : std::vector<probes::ContainerResidue>{},
                           engine::to_seconds(harness.start().time_since_epoch()));
  attach_sites(report, sites);
  // Findings that name a component (a container, an invariant, a site with
  // its file:line) come before whole-process ones (allocator, process), which
  // list those sites anyway: the first finding a developer reads says where.
  std::stable_partition(report.findings.begin(), report.findings.end(), [](const reports::Finding& f) {
    return f.component != "allocator" && f.component != "process";
  });
  if (!run_error.empty()) {
    report.verdict = reports::Verdict::error;
    report.incomplete = true;
    report.error_message = "the run failed: " + run_error;
    mark_not_judged(report, reports::Verdict::error);
  } else if (!run.completed) {
    mark_not_judged(report, reports::Verdict::incomplete);
    report.verdict = reports::Verdict::incomplete;
    report.incomplete = true;
    report.incomplete_reason = "interrupted by " + signal_name(stop ? stop->signal_number() : 0) +
                               " at t=" + std::to_string(static_cast<long long>(reached_s)) + "s of " +
                               std::to_string(static_cast<long long>(seconds(scenario.duration))) + "s";
  } else {
    report.verdict = to_report(verdict);
    if (report.verdict == reports::Verdict::inconclusive && verdict.inconclusive->series.empty()) {
      // Only series that measured nothing: a longer run would not help.
      report.inconclusive_reason = verdict.inconclusive->reason;
    } else if (report.verdict == reports::Verdict::inconclusive) {
      // With --duration the warm-up scales with the run, so the shortest
      // conclusive override keeps the same warm-up share.
      const Inconclusive& why = *verdict.inconclusive;
      const double measured_needed_s = static_cast<double>(why.windows_needed) * why.window_s;
      const double warm_up_share = seconds(scenario.warm_up) / seconds(scenario.duration);
      const double minimum_s = request.duration && warm_up_share < 1 ? measured_needed_s / (1 - warm_up_share)
                                                                     : why.minimum_duration_s;
      report.minimum_conclusive_duration_s = std::ceil(minimum_s / 60 - 1e-6) * 60;  // whole minutes
      const std::string minimum = format_duration(std::chrono::duration_cast<Duration>(
          std::chrono::seconds(static_cast<long long>(*report.minimum_conclusive_duration_s))));
      report.inconclusive_reason =
          why.reason + (why.segments > 1 ? std::string()  // the restarts, not the duration, decide (the reason says)
                        : request.duration ? "; run with --duration " + minimum +
                                               " or longer (the warm-up scales with the run)"
                                         : "; a run of at least " + minimum + " would be conclusive");
    }
  }

  RunOutcome outcome;
  outcome.out_dir = out_dir;
  // One unit: series.csv before report.json, which is written last (an I/O
  // error on any file leaves no report.json, so nothing looks complete).
  outcome.files = reports::write_report_set(report, out_dir, {{"series.csv", recorder.render_csv()}});
  outcome.report_json = out_dir / reports::kJsonFileName;
  outcome.verdict = report.verdict;
  outcome.findings = report.findings.size();
  outcome.events = run.events;
  outcome.wall_seconds = run.wall_seconds;
  outcome.events_per_second = report.context.events_per_s;
  outcome.exit_code = !run_error.empty()                                ? kExitRunFailed
                      : !run.completed                                   ? kExitInterrupted
                      : report.verdict == reports::Verdict::leak         ? kExitLeak
                      : report.verdict == reports::Verdict::inconclusive ? kExitInconclusive
                                                                         : kExitBounded;

  std::string line = "plateau: verdict " + std::string(reports::to_string(report.verdict));
  if (!report.findings.empty()) line += " (" + std::to_string(report.findings.size()) + " findings)";
  char figures[128];
  std::snprintf(figures, sizeof figures, "; %llu events in %.1f s wall (%.0f events/s)",
                static_cast<unsigned long long>(run.events), run.wall_seconds, outcome.events_per_second);
  line += figures;
  outcome.summary = line;
  log << line << "\n";
  if (report.verdict == reports::Verdict::inconclusive) log << "  inconclusive: " << report.inconclusive_reason << "\n";
  for (const reports::Finding& f : report.findings) {
    log << "  " << reports::to_string(f.kind) << " " << f.component << " " << f.series << ": " << f.message << "\n";
    if (&f - report.findings.data() >= 9 && report.findings.size() > 10) {
      log << "  ... and " << report.findings.size() - 10 << " more in the report\n";
      break;
    }
  }
  log << "plateau: report written to " << outcome.report_json.string() << "\n";
  return outcome;
}

}  // namespace plateau::soak

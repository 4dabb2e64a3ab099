#include "soak/runner/soak_runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "harness/harness.h"
#include "reports/atomic_file.h"
#include "reports/writers.h"
#include "soak/runner/harness_mapping.h"
#include "soak/runner/heap_session.h"
#include "soak/runner/progress_line.h"
#include "soak/runner/report_assembly.h"
#include "soak/runner/run_context.h"
#include "soak/runner/sample_recorder.h"

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
    recorder_.record(now, batch, table);
  }
  void on_checkpoint(engine::TimePoint now, std::size_t index) override {
    if (index >= checkpoints_.size()) return;
    const double t_s = engine::to_seconds(now - start_);
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
  std::filesystem::create_directories(out_dir);
  HarnessSetup setup = harness_setup_for(scenario, out_dir / "state");
  setup.options.probes_enabled = request.probes_enabled;

  // Checkpoints: the measured phase's start, then the heap-profile ones inside it.
  std::vector<engine::Duration> offsets;
  std::vector<RunObserver::Checkpoint> marks;
  offsets.push_back(scenario.warm_up);
  marks.push_back({true, false});
  for (engine::Duration c : scenario.heap_profile_checkpoints) {
    if (c <= scenario.warm_up || c >= scenario.duration) continue;
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
  report.scenario = scenario_summary(scenario);

  harness::Harness harness(std::move(setup.options), std::move(setup.engine));
  // Memory bounded by the recorder's cells, not by the duration; its cells
  // follow the verdict's window grid so downsampling keeps window minima exact.
  const VerdictSettings grid = verdict_settings_for(scenario);
  RecorderLayout layout;
  layout.expected_passes =
      static_cast<std::size_t>(seconds(scenario.duration) / seconds(scenario.sample_interval)) + 2;
  layout.warm_up_end_s = grid.warm_up_end_s;
  layout.window_s = grid.window_s;
  SampleRecorder recorder(harness.start(), layout);
  HeapSession heap(out_dir / "heap", self_binary());
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

  // 2. Measure.
  const harness::RunSummary run = harness.run(&observer, stop ? &stop->flag() : nullptr);
  progress.finish();
  const double reached_s = engine::to_seconds(run.reached - harness.start());
  report.heap_profile = heap.finish(reached_s);

  // 3. Analyse.
  VerdictSettings settings = verdict_settings_for(scenario);
  const VerdictResult verdict = judge(verdict_inputs(recorder), settings);

  // 4. Present.
  report.context.wall_duration_s = run.wall_seconds;
  report.context.events_processed = run.events;
  report.context.events_per_s = run.wall_seconds > 0 ? static_cast<double>(run.events) / run.wall_seconds : 0;
  fill_series_and_findings(report, recorder, verdict,
                           request.probes_enabled ? harness.audit_probe()->residue()
                                                  : std::vector<probes::ContainerResidue>{},
                           engine::to_seconds(harness.start().time_since_epoch()));
  if (!run.completed) {
    report.verdict = reports::Verdict::incomplete;
    report.incomplete = true;
    report.incomplete_reason = "interrupted by " + signal_name(stop ? stop->signal_number() : 0) +
                               " at t=" + std::to_string(static_cast<long long>(reached_s)) + "s of " +
                               std::to_string(static_cast<long long>(seconds(scenario.duration))) + "s";
  } else {
    report.verdict = verdict.bounded() ? reports::Verdict::bounded : reports::Verdict::leak;
  }

  RunOutcome outcome;
  outcome.out_dir = out_dir;
  outcome.files = reports::write_all(report, out_dir);
  const std::filesystem::path csv = out_dir / "series.csv";
  reports::write_file_atomically(csv, recorder.render_csv());
  outcome.files.push_back(csv);
  outcome.report_json = out_dir / reports::kJsonFileName;
  outcome.verdict = report.verdict;
  outcome.findings = report.findings.size();
  outcome.events = run.events;
  outcome.wall_seconds = run.wall_seconds;
  outcome.events_per_second = report.context.events_per_s;
  outcome.exit_code = !run.completed ? kExitInterrupted : verdict.bounded() ? kExitBounded : kExitLeak;

  std::string line = "plateau: verdict " + std::string(reports::to_string(report.verdict));
  if (!report.findings.empty()) line += " (" + std::to_string(report.findings.size()) + " findings)";
  char figures[128];
  std::snprintf(figures, sizeof figures, "; %llu events in %.1f s wall (%.0f events/s)",
                static_cast<unsigned long long>(run.events), run.wall_seconds, outcome.events_per_second);
  line += figures;
  outcome.summary = line;
  log << line << "\n";
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

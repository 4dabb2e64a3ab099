#include "soak/canaries/canary_matrix.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/core/failpoints.h"
#include "reports/json.h"
#include "reports/writers.h"
#include "soak/canaries/canary_catalog.h"
#include "soak/canaries/canary_judge.h"
#include "soak/canaries/child_processes.h"
#include "soak/scenario/scenario.h"

namespace plateau::soak {

namespace {

namespace fs = std::filesystem;

std::string format_seconds(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", s);
  return buffer;
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ", ") + v;
  return out.empty() ? "none" : out;
}

// A leak verdict whose findings only the whole-process series carry: the
// leak was seen, but nothing said where (issue 9: "caught but unnamed").
bool caught_unnamed(const reports::CanaryResult& c) {
  if (c.detected) return false;
  return std::any_of(c.components_fired.begin(), c.components_fired.end(),
                     [](const std::string& component) { return component == "allocator" || component == "process"; });
}

std::string exit_status(const JudgedRun& run) {
  if (run.term_signal) return "killed by signal " + std::to_string(run.term_signal);
  return "exit code " + std::to_string(run.exit_code);
}

std::vector<std::string> failpoints_to_run(const CanaryOptions& options) {
  std::vector<std::string> names;
  for (const std::string& family : options.families) engine::parse_failpoint_family(family);  // throws
  auto wanted = [&](const CanaryExpectation& e) {
    return options.families.empty() ||
           std::find(options.families.begin(), options.families.end(), e.family) != options.families.end();
  };
  if (options.failpoints.empty()) {
    for (const CanaryExpectation& e : canary_catalog()) {
      if (wanted(e)) names.push_back(e.failpoint);
    }
  } else {
    for (const std::string& name : options.failpoints) {
      canary_expectation(name);  // throws for an unknown name
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

ChildSpec child_for(const CanaryOptions& options, const fs::path& binary, const JudgedRun& run) {
  ChildSpec spec;
  // --force: a re-run of the matrix replaces each run's earlier report (run.log,
  // which the matrix itself writes there, is left alone).
  const fs::path scenario = run.scenario_file.empty() ? options.scenario : run.scenario_file;
  spec.argv = {binary.string(), "run", scenario.string(), "--out", run.dir.string(), "--force"};
  if (run.failpoint.empty()) {
    spec.argv.insert(spec.argv.end(), {"--seed", std::to_string(run.seed)});
  } else {
    spec.argv.insert(spec.argv.end(), {"--failpoint", run.failpoint});
  }
  if (options.duration) spec.argv.insert(spec.argv.end(), {"--duration", *options.duration});
  spec.log_file = run.dir / "run.log";
  return spec;
}

void read_report(JudgedRun& run) {
  const fs::path path = run.dir / reports::kJsonFileName;
  try {
    run.report = reports::read_report_file(path);
  } catch (const std::exception& e) {
    run.read_error = e.what();
  }
}

reports::Finding undetected_finding(const JudgedRun& run, const CanaryExpectation& expectation,
                                    const reports::CanaryResult& result) {
  reports::Finding f;
  f.series = "canary." + run.failpoint;
  f.component = expectation.component;
  f.kind = reports::FindingKind::invariant;
  if (!run.report) {
    f.message = "canary " + run.failpoint + " has no report (" + exit_status(run) + "; " + run.read_error +
                "); see " + (run.dir / "run.log").string();
  } else {
    f.message = "canary " + run.failpoint + " not detected: verdict " +
                std::string(reports::to_string(run.report->verdict)) +
                ", components fired: " + join(result.components_fired) +
                " (expected one of: " + join(expectation.accepted_components) +
                ", on a series the clean runs did not flag)" +
                (caught_unnamed(result) ? "; caught, but only by whole-process series that do not say where" : "") +
                "; report " +
                (run.dir / reports::kJsonFileName).string();
  }
  return f;
}

// A clean run that did not stay bounded: its findings, named by seed, with
// their series so the matrix report charts each false alarm.
void add_false_alarm(reports::Report& out, const JudgedRun& run) {
  const std::string label = run.fixture.empty() ? "clean seed " + std::to_string(run.seed)
                                                : "must-not-fire " + run.fixture + " (seed " +
                                                      std::to_string(run.seed) + ")";
  if (!run.report) {
    reports::Finding f;
    f.series = "clean.seed-" + std::to_string(run.seed);
    f.kind = reports::FindingKind::invariant;
    f.message = label + " has no report (" + exit_status(run) + "; " + run.read_error + "); see " +
                (run.dir / "run.log").string();
    out.findings.push_back(std::move(f));
    return;
  }
  const reports::Report& r = *run.report;
  const std::string prefix =
      (run.fixture.empty() ? "" : run.fixture + ":") + "seed-" + std::to_string(run.seed) + ":";
  for (const reports::Finding& finding : r.findings) {
    reports::Finding f = finding;
    f.series = prefix + finding.series;
    f.message = "[" + label + "] false alarm: " + finding.message;
    out.findings.push_back(std::move(f));
    for (const reports::Series& s : r.series) {
      if (s.name != finding.series) continue;
      reports::Series copy = s;
      copy.name = f.series;
      out.series.push_back(std::move(copy));
    }
  }
  if (r.findings.empty()) {
    reports::Finding f;
    f.series = "clean.seed-" + std::to_string(run.seed);
    f.kind = reports::FindingKind::invariant;
    f.message = label + " ended " + std::string(reports::to_string(r.verdict)) + ": " +
                (r.error_message.empty() ? r.incomplete_reason : r.error_message);
    out.findings.push_back(std::move(f));
  }
}

// One run per must-not-fire fixture; engine.step_block once per step
// position, each from a copy of the scenario with /fixtures/step_at set.
void add_must_not_fire_runs(const CanaryOptions& options, const std::string& failpoint,
                            std::vector<JudgedRun>& runs) {
  if (failpoint != engine::info(engine::Failpoint::kEngineStepBlock).name) {
    JudgedRun run;
    run.failpoint = failpoint;
    run.fixture = failpoint;
    run.dir = options.out_dir / ("must-not-fire-" + failpoint);
    runs.push_back(std::move(run));
    return;
  }
  const Scenario scenario = load_scenario(options.scenario);
  nlohmann::json document;
  {
    std::ifstream in(options.scenario);
    document = nlohmann::json::parse(in);
  }
  if (!document.contains("name")) document["name"] = options.scenario.stem().string();
  const Duration measured = scenario.duration - scenario.warm_up;
  for (double position : options.step_positions) {
    const Duration step_at =
        scenario.warm_up + std::chrono::duration_cast<Duration>(measured * std::clamp(position, 0.0, 0.999));
    JudgedRun run;
    run.failpoint = failpoint;
    run.fixture = failpoint + "@" + format_duration(step_at);
    run.dir = options.out_dir / ("must-not-fire-" + run.fixture);
    fs::create_directories(run.dir);
    document["fixtures"]["step_at"] = seconds(step_at);
    run.scenario_file = run.dir / "scenario.json";
    std::ofstream(run.scenario_file) << document.dump(2) << "\n";
    runs.push_back(std::move(run));
  }
}

}  // namespace

void validate(const CanaryOptions& options) {
  if (options.out_dir.empty())
    throw std::invalid_argument("--out: required: the folder for the matrix report");
  if (options.jobs == 0) throw std::invalid_argument("--jobs 0: must be at least 1");
  if (!fs::is_regular_file(options.scenario)) {
    throw std::invalid_argument("--scenario " + options.scenario.string() + ": no such file");
  }
  failpoints_to_run(options);
}

reports::Report assemble_matrix_report(const std::vector<JudgedRun>& runs, double wall_seconds) {
  reports::Report out;
  out.canary_matrix.emplace();
  const JudgedRun* first = nullptr;
  std::uint64_t events = 0;
  for (const JudgedRun& run : runs) {
    if (!run.report) continue;
    if (!first) first = &run;
    events += run.report->context.events_processed;
  }
  if (first) {
    out.context = first->report->context;
    out.scenario = first->report->scenario;
  }
  out.context.failpoints_on.clear();
  out.context.wall_duration_s = wall_seconds;
  out.context.events_processed = events;
  out.context.events_per_s = wall_seconds > 0 ? static_cast<double>(events) / wall_seconds : 0;
  out.heap_profile.backend = reports::HeapBackend::none;
  out.heap_profile.reason = "canary matrix: each run's heap profile and diff are in its own folder";

  std::vector<const reports::Report*> clean_reports;
  for (const JudgedRun& run : runs) {
    if (run.failpoint.empty() && run.report) clean_reports.push_back(&*run.report);
  }
  const std::set<std::string> background = flagged_series(clean_reports);

  for (const JudgedRun& run : runs) {
    if (run.failpoint.empty() || !run.fixture.empty()) continue;
    const CanaryExpectation& expectation = canary_expectation(run.failpoint);
    reports::CanaryResult result;
    if (run.report) {
      result = judge_canary(expectation, *run.report, background);
    } else {
      result.failpoint = run.failpoint;
      result.seed = run.seed;
      result.expected_component = expectation.component;
    }
    out.context.failpoints_on.push_back(run.failpoint);
    if (!result.detected) out.findings.push_back(undetected_finding(run, expectation, result));
    out.canary_matrix->canaries.push_back(std::move(result));
  }
  // Clean seeds, then the must-not-fire fixtures: both must stay bounded.
  for (const bool fixtures : {false, true}) {
    for (const JudgedRun& run : runs) {
      if (fixtures ? run.fixture.empty() : !run.failpoint.empty()) continue;
      reports::CleanRun clean{run.seed, reports::Verdict::error};
      if (run.report) {
        clean = judge_clean_run(*run.report);
        for (const reports::Series& s : run.report->series) {
          if (s.margin && (!clean.max_margin || *s.margin > *clean.max_margin)) {
            clean.max_margin = s.margin;
            clean.max_margin_series = s.name;
          }
        }
      }
      clean.fixture = run.fixture;
      if (fixtures) out.context.failpoints_on.push_back(run.failpoint);
      if (clean.verdict != reports::Verdict::bounded) add_false_alarm(out, run);
      out.canary_matrix->clean_runs.push_back(clean);
    }
  }
  out.verdict = matrix_passes(*out.canary_matrix) ? reports::Verdict::bounded : reports::Verdict::leak;
  return out;
}

CanaryOutcome run_canary_matrix(const CanaryOptions& options, std::ostream& log) {
  validate(options);
  const auto started = std::chrono::steady_clock::now();
  const fs::path binary = options.plateau_binary.empty() ? current_executable() : options.plateau_binary;

  std::vector<JudgedRun> runs;
  for (const std::string& failpoint : failpoints_to_run(options)) {
    if (!canary_expectation(failpoint).must_fire()) {
      add_must_not_fire_runs(options, failpoint, runs);
      continue;
    }
    JudgedRun run;
    run.failpoint = failpoint;
    run.dir = options.out_dir / ("canary-" + failpoint);
    runs.push_back(std::move(run));
  }
  for (std::size_t i = 0; i < options.clean_seeds; ++i) {
    JudgedRun run;
    run.seed = options.first_seed + i;
    run.dir = options.out_dir / ("clean-seed-" + std::to_string(run.seed));
    runs.push_back(std::move(run));
  }

  std::vector<ChildSpec> children;
  for (const JudgedRun& run : runs) {
    fs::create_directories(run.dir);
    fs::remove(run.dir / reports::kJsonFileName);  // a stale report must not pass for this run's
    children.push_back(child_for(options, binary, run));
  }
  log << "plateau canaries: " << runs.size() << " runs of " << options.scenario.string() << ", "
      << options.jobs << " at a time, into " << options.out_dir.string() << "\n";
  std::size_t finished = 0;
  const std::vector<ChildResult> results =
      run_children(children, options.jobs, [&](std::size_t index, const ChildResult& r) {
        ++finished;
        log << "[" << finished << "/" << runs.size() << "] " << runs[index].dir.filename().string() << ": "
            << (r.term_signal ? "signal " + std::to_string(r.term_signal)
                              : "exit " + std::to_string(r.exit_code))
            << " in " << format_seconds(r.wall_seconds) << "\n"
            << std::flush;
      });
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runs[i].exit_code = results[i].exit_code;
    runs[i].term_signal = results[i].term_signal;
    read_report(runs[i]);
    if (runs[i].report) runs[i].seed = runs[i].report->context.seed;
  }

  CanaryOutcome outcome;
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.report = assemble_matrix_report(runs, outcome.wall_seconds);
  outcome.passed = matrix_passes(*outcome.report.canary_matrix);
  outcome.out_dir = options.out_dir;
  reports::write_all(outcome.report, options.out_dir);

  for (const reports::CanaryResult& c : outcome.report.canary_matrix->canaries) {
    log << "  " << (c.detected ? "detected  " : caught_unnamed(c) ? "UNNAMED   " : "MISSED    ") << c.failpoint << "  time to detect "
        << (c.time_to_detect_s ? format_seconds(*c.time_to_detect_s) : std::string("-")) << "  heap site "
        << reports::to_string(c.heap_site_in_component) << "  fired: " << join(c.components_fired) << "\n";
  }
  std::size_t bounded = 0;
  const reports::CleanRun* widest = nullptr;
  for (const reports::CleanRun& c : outcome.report.canary_matrix->clean_runs) {
    bounded += c.verdict == reports::Verdict::bounded ? 1 : 0;
    if (!c.fixture.empty()) {
      log << "  " << (c.verdict == reports::Verdict::bounded ? "bounded   " : "FIRED     ") << "must-not-fire "
          << c.fixture << "  verdict " << reports::to_string(c.verdict) << "\n";
      continue;
    }
    log << "  clean seed " << c.seed << "  " << reports::to_string(c.verdict) << "  max margin "
        << (c.max_margin ? std::to_string(*c.max_margin) : std::string("-")) << "  " << c.max_margin_series
        << "\n";
    if (c.max_margin && (!widest || *c.max_margin > *widest->max_margin)) widest = &c;
  }
  if (widest) {
    log << "  largest clean margin " << *widest->max_margin << " (" << widest->max_margin_series << ", seed "
        << widest->seed << "); a clean margin of 1 would be a false trend finding\n";
  }
  log << "plateau canaries: " << (outcome.passed ? "PASS" : "FAIL") << ": "
      << outcome.report.canary_matrix->canaries.size() << " canaries, "
      << outcome.report.canary_matrix->clean_runs.size() << " clean runs (" << bounded << " bounded), wall "
      << format_seconds(outcome.wall_seconds) << "; report in " << options.out_dir.string() << "\n";
  return outcome;
}

}  // namespace plateau::soak

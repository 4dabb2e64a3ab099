#include "soak/runner/report_assembly.h"

#include <map>
#include <string_view>

#include "reports/svg_chart.h"
#include "soak/verdict/report_view.h"

namespace plateau::soak {

namespace {

std::optional<SeriesKind> kind_of(probes::SeriesFamily family) {
  switch (family) {
    case probes::SeriesFamily::kInventory: return SeriesKind::inventory;
    case probes::SeriesFamily::kAllocator: return SeriesKind::alloc;
    case probes::SeriesFamily::kProcess: return SeriesKind::process;
    case probes::SeriesFamily::kInvariant: return SeriesKind::invariant;
    case probes::SeriesFamily::kResidue: return SeriesKind::residue;
    case probes::SeriesFamily::kHealth: return std::nullopt;
  }
  return std::nullopt;
}

std::string family_name(probes::SeriesFamily family) {
  switch (family) {
    case probes::SeriesFamily::kInventory: return "inventory";
    case probes::SeriesFamily::kAllocator: return "alloc";
    case probes::SeriesFamily::kProcess: return "process";
    case probes::SeriesFamily::kInvariant: return "invariant";
    case probes::SeriesFamily::kHealth: return "health";
    case probes::SeriesFamily::kResidue: return "residue";
  }
  return "unknown";
}

}  // namespace

// Judged: the families with a check (inventory, alloc, process, invariant,
// residue), unless the probe that publishes the series marked it context
// (probes/series.h SeriesRole: retention figures, high-water marks, raw
// readings, plateau's own memory).
bool is_judged(const RecordedSeries& series) {
  return kind_of(series.info.family).has_value() && series.info.role == probes::SeriesRole::kJudged;
}

std::vector<SeriesInput> verdict_inputs(const SampleRecorder& recorder) {
  std::map<std::string_view, const RecordedSeries*> by_name;
  for (const RecordedSeries& s : recorder.series()) by_name[s.info.name] = &s;
  std::vector<SeriesInput> inputs;
  for (const RecordedSeries& s : recorder.series()) {
    if (s.samples.empty() || !is_judged(s)) continue;
    SeriesInput in;
    in.name = s.info.name;
    in.component = s.info.component;
    in.kind = *kind_of(s.info.family);
    in.unit = s.info.unit;
    in.samples = s.samples;
    in.bound = s.bound;
    in.never_zero = s.info.never_zero;
    if (!s.info.arrivals.empty()) {
      if (auto a = by_name.find(s.info.arrivals); a != by_name.end()) {
        in.arrivals = a->second->samples;
        in.arrivals_series = s.info.arrivals;
      }
    }
    inputs.push_back(std::move(in));
  }
  return inputs;
}

// Enough for a chart several screens wide; a day at 10 s samples is 8,640.
constexpr std::size_t kMaxReportPoints = 1500;

void fill_series_and_findings(reports::Report& report, const SampleRecorder& recorder,
                              const VerdictResult& verdict, const std::vector<probes::ContainerResidue>& residue,
                              double run_start_offset_s) {
  std::map<std::string, const SeriesAnalysis*> analysis;
  for (const SeriesAnalysis& a : verdict.series) analysis[a.name] = &a;

  for (const RecordedSeries& s : recorder.series()) {
    // Health counters are cumulative context, kept in series.csv only, so the
    // report of a day-long run stays a size a browser opens.
    if (s.samples.empty() || s.info.family == probes::SeriesFamily::kHealth) continue;
    reports::Series out;
    out.name = s.info.name;
    out.unit = s.info.unit;
    out.component = s.info.component;
    out.family = family_name(s.info.family);
    out.declared_bound = s.bound;
    // report.json carries at most kMaxReportPoints per series (min/max per
    // bucket, so spikes and floors survive); series.csv keeps every sample.
    std::vector<reports::Point> all;
    all.reserve(s.samples.size());
    for (const Point& p : s.samples) all.push_back(reports::Point{p.t_s, p.value});
    out.samples = reports::downsample_min_max(all, kMaxReportPoints);
    auto a = analysis.find(s.info.name);
    if (a != analysis.end()) describe_judged(*a->second, out);
    report.series.push_back(std::move(out));
  }

  // Residue series are named invariant.residue.<component>.<container>.
  std::map<std::string, const probes::ContainerResidue*> residue_by_series;
  for (const probes::ContainerResidue& c : residue) {
    residue_by_series["invariant.residue." + c.component + "." + c.container] = &c;
  }
  for (const Finding& f : verdict.findings) {
    reports::Finding out = to_report(f);
    if (f.kind == FindingKind::residue) {
      auto c = residue_by_series.find(f.series);
      if (c != residue_by_series.end()) {
        for (const probes::ResidueExample& e : c->second->examples) {
          reports::ResidueExample ex;
          ex.container = c->second->container;
          ex.key = e.key;
          ex.entity_kind = std::string(engine::to_string(e.kind));
          ex.terminal_t_s = engine::to_seconds(e.since.time_since_epoch()) - run_start_offset_s;
          ex.age_s = engine::to_seconds(e.age);
          out.residue_examples.push_back(std::move(ex));
        }
      }
    }
    report.findings.push_back(std::move(out));
  }
}

reports::ScenarioSummary scenario_summary(const Scenario& s) {
  reports::ScenarioSummary out;
  out.duration_s = seconds(s.duration);
  out.warmup_s = seconds(s.warm_up);
  out.sample_interval_s = seconds(s.sample_interval);
  out.window_s = seconds(s.verdict.window);
  out.audit_interval_s = seconds(s.audit_interval);
  out.parameters = {
      {"symbols", static_cast<double>(s.symbols.size())},
      {"rate.price_ticks_per_symbol_per_s", s.rates.price_ticks_per_symbol_per_second},
      {"rate.plans_per_s", s.rates.plans.per_second},
      {"rate.plan_cancel_share", s.rates.plans.cancel_share},
      {"rate.plan_new_symbol_share", s.rates.plans.new_symbol_share},
      {"rate.plan_unknown_symbol_share", s.rates.plans.unknown_symbol_share},
      {"rate.wallet_tx_per_s", s.rates.wallet_transactions.per_second},
      {"rate.wallet_duplicate_share", s.rates.wallet_transactions.duplicate_share},
      {"rate.position_opens_per_s", s.rates.position_opens_per_second},
      {"rate.close_storm_interval_s", seconds(s.rates.close_storms.interval)},
      {"rate.close_storm_threads", static_cast<double>(s.rates.close_storms.threads)},
      {"rate.close_storm_positions", static_cast<double>(s.rates.close_storms.positions_per_storm)},
      {"rate.exits_per_s", s.rates.exits.per_second},
      {"rate.exit_failure_share", s.rates.exits.failure_share},
      {"fault.price_source_failure_share", s.price_source.failure_share},
      {"restart_interval_s", seconds(s.restart_interval)},
      {"tolerance.alpha", s.verdict.alpha},
      {"tolerance.relative", s.verdict.relative},
      {"tolerance.absolute_default", s.verdict.absolute_default},
  };
  // Paper limits the scenario sets (absent ones are the engine's defaults).
  if (s.paper.max_positions) out.parameters["paper.max_positions"] = *s.paper.max_positions;
  if (s.paper.cooldown_after_opens) out.parameters["paper.cooldown_after_opens"] = *s.paper.cooldown_after_opens;
  if (s.paper.cooldown_window) out.parameters["paper.cooldown_window_s"] = seconds(*s.paper.cooldown_window);
  if (s.paper.capital) out.parameters["paper.capital"] = *s.paper.capital;
  return out;
}

}  // namespace plateau::soak

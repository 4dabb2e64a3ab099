// report.json writing: the model to ordered JSON, refusing non-finite numbers.
#include <cmath>
#include <stdexcept>

#include "reports/json.h"

namespace plateau::reports {
namespace {

// Ordered so report.json reads top-down in the model's order: schema and
// verdict first, the bulky series last.
using json = nlohmann::ordered_json;

// JSON strings from the model's enum names.
template <typename Enum>
std::string name(Enum value) {
  return std::string(reports::to_string(value));
}

json number(double value, const std::string& path) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument("report field " + path + " is " + std::to_string(value) +
                                ": JSON cannot carry a non-finite number");
  }
  return value;
}

json optional_number(const std::optional<double>& value, const std::string& path) {
  return value ? number(*value, path) : json(nullptr);
}

json points(const std::vector<Point>& values, const std::string& path) {
  json out = json::array();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    out.push_back(json::array({number(values[i].t_s, at), number(values[i].value, at)}));
  }
  return out;
}

json figures(const std::map<std::string, double>& values, const std::string& path) {
  json out = json::object();
  for (const auto& [name, value] : values) out[name] = number(value, path + "." + name);
  return out;
}

json context_json(const Context& c) {
  return {{"host", c.host},
          {"os", c.os},
          {"kernel", c.kernel},
          {"compiler", c.compiler},
          {"build_type", c.build_type},
          {"allocator", c.allocator},
          {"git_revision", c.git_revision},
          {"plateau_version", c.plateau_version},
          {"scenario_name", c.scenario_name},
          {"scenario_path", c.scenario_path},
          {"seed", c.seed},
          {"clock_mode", c.clock_mode},
          {"start_time", c.start_time},
          {"wall_duration_s", number(c.wall_duration_s, "context.wall_duration_s")},
          {"events_processed", c.events_processed},
          {"events_per_s", number(c.events_per_s, "context.events_per_s")},
          {"failpoints_on", c.failpoints_on},
          {"git_dirty", c.git_dirty ? json(*c.git_dirty) : json(nullptr)},
          {"reproduce_command", c.reproduce_command}};
}

json scenario_json(const ScenarioSummary& s) {
  return {{"duration_s", number(s.duration_s, "scenario.duration_s")},
          {"warmup_s", number(s.warmup_s, "scenario.warmup_s")},
          {"sample_interval_s", number(s.sample_interval_s, "scenario.sample_interval_s")},
          {"window_s", number(s.window_s, "scenario.window_s")},
          {"audit_interval_s", number(s.audit_interval_s, "scenario.audit_interval_s")},
          {"parameters", figures(s.parameters, "scenario.parameters")}};
}

json series_json(const Series& s, const std::string& path) {
  json trend = nullptr;
  if (s.trend) {
    trend = {{"intercept", number(s.trend->intercept, path + ".trend.intercept")},
             {"slope_per_s", number(s.trend->slope_per_s, path + ".trend.slope_per_s")}};
  }
  json load = nullptr;
  if (s.load) {
    load = {{"arrivals", s.load->arrivals},
            {"margin", optional_number(s.load->margin, path + ".load.margin")},
            {"growth_follows_load", s.load->growth_follows_load}};
  }
  return {{"name", s.name},
          {"unit", s.unit},
          {"component", s.component},
          {"family", s.family},
          {"declared_bound", optional_number(s.declared_bound, path + ".declared_bound")},
          {"samples", points(s.samples, path + ".samples")},
          {"window_minima", points(s.window_minima, path + ".window_minima")},
          {"trend", trend},
          {"judged", s.judged},
          {"verdict", name(s.verdict)},
          {"margin", optional_number(s.margin, path + ".margin")},
          {"load", load}};
}

json finding_json(const Finding& f, const std::string& path) {
  json residue = json::array();
  for (std::size_t i = 0; i < f.residue_examples.size(); ++i) {
    const ResidueExample& r = f.residue_examples[i];
    const std::string at = path + ".residue_examples[" + std::to_string(i) + "]";
    residue.push_back({{"container", r.container},
                       {"key", r.key},
                       {"entity_kind", r.entity_kind},
                       {"terminal_t_s", number(r.terminal_t_s, at + ".terminal_t_s")},
                       {"age_s", number(r.age_s, at + ".age_s")}});
  }
  json sites = json::array();
  for (std::size_t i = 0; i < f.sites.size(); ++i) {
    const SiteShare& s = f.sites[i];
    const std::string at = path + ".sites[" + std::to_string(i) + "]";
    sites.push_back({{"site_id", s.site_id},
                     {"function", s.function},
                     {"file", s.file},
                     {"line", s.line},
                     {"component", s.component},
                     {"bytes_per_hour", number(s.bytes_per_hour, at + ".bytes_per_hour")},
                     {"share", number(s.share, at + ".share")}});
  }
  return {{"series", f.series},
          {"component", f.component},
          {"kind", name(f.kind)},
          {"message", f.message},
          {"figures", figures(f.figures, path + ".figures")},
          {"time_to_detect_s", optional_number(f.time_to_detect_s, path + ".time_to_detect_s")},
          {"residue_examples", residue},
          {"sites", sites},
          {"stack", f.stack}};
}

json heap_json(const HeapProfile& h) {
  json sites = json::array();
  for (const HeapSite& site : h.top_sites) {
    sites.push_back({{"bytes_added", site.bytes_added},
                     {"objects_added", site.objects_added},
                     {"our_frame", site.our_frame},
                     {"stack", site.stack}});
  }
  json timelines = json::array();
  for (std::size_t i = 0; i < h.sites.size(); ++i) {
    const HeapSiteTimeline& t = h.sites[i];
    const std::string at = "heap_profile.sites[" + std::to_string(i) + "]";
    timelines.push_back({{"id", t.id},
                         {"function", t.function},
                         {"function_full", t.function_full},
                         {"file", t.file},
                         {"line", t.line},
                         {"component", t.component},
                         {"classification", t.classification},
                         {"peak_bytes", number(t.peak_bytes, at + ".peak_bytes")},
                         {"growth_bytes", number(t.growth_bytes, at + ".growth_bytes")},
                         {"bytes_per_hour", number(t.bytes_per_hour, at + ".bytes_per_hour")},
                         {"projected_growth_bytes", number(t.projected_growth_bytes, at + ".projected_growth_bytes")},
                         {"live_bytes", points(t.live_bytes, at + ".live_bytes")},
                         {"live_objects", points(t.live_objects, at + ".live_objects")},
                         {"stack", t.stack}});
  }
  return {{"backend", name(h.backend)},
          {"reason", h.reason},
          {"dump_files", h.dump_files},
          {"open_commands", h.open_commands},
          {"diff_base", h.diff_base},
          {"diff_target", h.diff_target},
          {"top_sites", sites},
          {"instrumentation_bytes_added", h.instrumentation_bytes_added},
          {"sites", timelines}};
}

json canary_json(const CanaryMatrix& m) {
  json canaries = json::array();
  for (std::size_t i = 0; i < m.canaries.size(); ++i) {
    const CanaryResult& c = m.canaries[i];
    canaries.push_back(
        {{"failpoint", c.failpoint},
         {"seed", c.seed},
         {"expected_component", c.expected_component},
         {"detected", c.detected},
         {"components_fired", c.components_fired},
         {"signals_fired", c.signals_fired},
         {"time_to_detect_s",
          optional_number(c.time_to_detect_s, "canary_matrix.canaries[" + std::to_string(i) + "]")},
         {"heap_site_in_component", name(c.heap_site_in_component)}});
  }
  json clean = json::array();
  for (const CleanRun& run : m.clean_runs) {
    json entry = {{"seed", run.seed},
                  {"verdict", name(run.verdict)},
                  {"max_margin", optional_number(run.max_margin, "canary_matrix.clean_runs.max_margin")},
                  {"max_margin_series", run.max_margin_series}};
    if (!run.fixture.empty()) entry["fixture"] = run.fixture;  // absent for clean seeds
    clean.push_back(std::move(entry));
  }
  return {{"canaries", canaries}, {"clean_runs", clean}};
}

json comparison_json(const Comparison& c) {
  json rows = json::array();
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const ComparisonRow& r = c.rows[i];
    const std::string at = "comparison.rows[" + std::to_string(i) + "]";
    rows.push_back({{"series", r.series},
                    {"base_slope_per_s", number(r.base_slope_per_s, at + ".base_slope_per_s")},
                    {"candidate_slope_per_s", number(r.candidate_slope_per_s, at + ".candidate_slope_per_s")},
                    {"base_peak", number(r.base_peak, at + ".base_peak")},
                    {"candidate_peak", number(r.candidate_peak, at + ".candidate_peak")},
                    {"regressed", r.regressed},
                    {"message", r.message}});
  }
  return {{"base_report", c.base_report}, {"candidate_report", c.candidate_report}, {"rows", rows}};
}

json shards_json(const std::vector<ShardSummary>& shards) {
  json out = json::array();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const ShardSummary& s = shards[i];
    out.push_back({{"label", s.label},
                   {"report_path", s.report_path},
                   {"scenario_name", s.scenario_name},
                   {"allocator", s.allocator},
                   {"seed", s.seed},
                   {"verdict", name(s.verdict)},
                   {"findings", s.findings},
                   {"wall_duration_s",
                    number(s.wall_duration_s, "shards[" + std::to_string(i) + "].wall_duration_s")}});
  }
  return out;
}

}  // namespace

nlohmann::ordered_json to_json(const Report& report) {
  json series = json::array();
  for (std::size_t i = 0; i < report.series.size(); ++i) {
    series.push_back(series_json(report.series[i], "series[" + std::to_string(i) + "]"));
  }
  json findings = json::array();
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    findings.push_back(finding_json(report.findings[i], "findings[" + std::to_string(i) + "]"));
  }
  json out = json::object();
  out["schema"] = std::string(kSchemaVersion);
  out["verdict"] = name(report.verdict);
  out["incomplete"] = report.incomplete;
  out["incomplete_reason"] = report.incomplete_reason;
  out["error_message"] = report.error_message;
  out["context"] = context_json(report.context);
  out["scenario"] = scenario_json(report.scenario);
  out["findings"] = findings;
  out["series"] = series;
  out["heap_profile"] = heap_json(report.heap_profile);
  out["canary_matrix"] = report.canary_matrix ? canary_json(*report.canary_matrix) : json(nullptr);
  out["comparison"] = report.comparison ? comparison_json(*report.comparison) : json(nullptr);
  out["shards"] = shards_json(report.shards);
  out["inconclusive_reason"] = report.inconclusive_reason;
  out["minimum_conclusive_duration_s"] =
      optional_number(report.minimum_conclusive_duration_s, "minimum_conclusive_duration_s");
  // Written only when present, so reports without notes keep their bytes.
  if (!report.notes.empty()) out["notes"] = report.notes;
  return out;
}

std::string render_json(const Report& report) { return to_json(report).dump(2) + "\n"; }

}  // namespace plateau::reports

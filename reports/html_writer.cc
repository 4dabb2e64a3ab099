// report.html writer: one self-contained page (inline CSS and SVG, no
// scripts, no fonts, no links out) so it opens from a CI artifact or an
// e-mail attachment without network access.
#include <algorithm>
#include <set>
#include <sstream>

#include "reports/svg_chart.h"
#include "reports/text.h"
#include "reports/writers.h"

namespace plateau::reports {
namespace {

constexpr const char* kStyle = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:0 24px 48px;color:#1d1d1f;background:#fff}
h1{margin:0;font-size:28px}h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{margin:0 0 6px;font-size:17px}
header.verdict{margin:24px 0 8px;padding:16px 20px;border-radius:8px;color:#fff}
.v-bounded{background:#1b7f3b}.v-leak{background:#b3261e}.v-incomplete,.v-error{background:#a15c00}
header.verdict p{margin:6px 0 0}
article.finding{border:1px solid #e3c9c7;border-left:6px solid #b3261e;border-radius:6px;padding:12px 16px;margin:16px 0}
table{border-collapse:collapse;margin:8px 0;font-size:14px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:#f6f6f8;padding:8px 10px;border-radius:4px;overflow-x:auto;white-space:pre-wrap}
td pre{white-space:pre-wrap;overflow-wrap:anywhere;max-width:520px;margin:4px 0 0}
details{margin:6px 0;border:1px solid #e5e5e5;border-radius:6px;padding:6px 10px}summary{cursor:pointer}
.ok{color:#1b7f3b;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#666}
svg.chart{display:block;margin:8px 0;max-width:100%;height:auto;font-size:11px;font-family:inherit}
svg.chart .grid{stroke:#eee}svg.chart .tick{stroke:#888}svg.chart .frame{fill:none;stroke:#bbb}
svg.chart text{fill:#444}svg.chart .chart-title{font-size:13px;font-weight:600;fill:#222}
)css";

constexpr const char* kSampleColour = "#1f5fbf";
constexpr const char* kMinimaColour = "#e07b00";
constexpr const char* kTrendColour = "#b3261e";
constexpr const char* kBoundColour = "#6a1b9a";
constexpr const char* kWarmupColour = "#ececec";

std::string h(std::string_view text) { return xml_escape(text); }

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string verdict_class(Verdict verdict) { return "v-" + std::string(to_string(verdict)); }

std::string chart_for(const Series& series, const ScenarioSummary& scenario, const HtmlOptions& options) {
  SvgChart chart({1000, 280, series.name + " (" + series.component + ")", series.unit, scenario.duration_s});
  if (scenario.warmup_s > 0) chart.add_shaded_range(0, scenario.warmup_s, kWarmupColour, "warm-up (not judged)");
  chart.add_line(downsample_min_max(series.samples, options.max_chart_points), kSampleColour, 1.2, "samples");
  if (!series.window_minima.empty()) chart.add_markers(series.window_minima, kMinimaColour, "window minima");
  if (series.trend) {
    double end_s = std::max(scenario.duration_s, series.samples.empty() ? 0.0 : series.samples.back().t_s);
    chart.add_trend(*series.trend, scenario.warmup_s, end_s, kTrendColour, "Theil–Sen trend");
  }
  if (series.declared_bound) chart.add_horizontal(*series.declared_bound, kBoundColour, "declared bound");
  return chart.render();
}

const Series* find_series(const Report& report, const std::string& name) {
  for (const Series& series : report.series) {
    if (series.name == name) return &series;
  }
  return nullptr;
}

void write_header(std::ostringstream& out, const Report& report) {
  const Context& c = report.context;
  out << "<header class=\"verdict " << verdict_class(report.verdict) << "\"><h1>Verdict: "
      << h(to_string(report.verdict)) << "</h1>\n<p>" << h(c.scenario_name) << " · seed " << c.seed << " · "
      << report.findings.size() << " finding" << (report.findings.size() == 1 ? "" : "s") << " · "
      << h(format_duration(report.scenario.duration_s)) << " virtual in " << h(format_duration(c.wall_duration_s))
      << " wall · " << h(c.allocator) << " · " << h(c.build_type) << "</p>\n";
  if (report.incomplete) {
    out << "<p><strong>Incomplete:</strong> "
        << h(report.incomplete_reason.empty() ? std::string("interrupted") : report.incomplete_reason) << "</p>\n";
  }
  if (!report.error_message.empty()) out << "<p><strong>Error:</strong> " << h(report.error_message) << "</p>\n";
  for (const std::string& note : report.notes) out << "<p><strong>Note:</strong> " << h(note) << "</p>\n";
  out << "</header>\n";
}

void write_residue(std::ostringstream& out, const Finding& finding, const HtmlOptions& options) {
  if (finding.residue_examples.empty()) return;
  out << "<p>Still held past their grace period:</p>\n<table><tr><th>container</th><th>key</th><th>entity</th>"
         "<th>terminal at</th><th>age</th></tr>\n";
  std::size_t shown = std::min(finding.residue_examples.size(), options.max_residue_examples);
  for (std::size_t i = 0; i < shown; ++i) {
    const ResidueExample& r = finding.residue_examples[i];
    out << "<tr><td>" << h(r.container) << "</td><td><code>" << h(r.key) << "</code></td><td>" << h(r.entity_kind)
        << "</td><td class=\"num\">" << h(format_duration(r.terminal_t_s)) << "</td><td class=\"num\">"
        << h(format_duration(r.age_s)) << "</td></tr>\n";
  }
  out << "</table>\n";
  if (finding.residue_examples.size() > shown) {
    out << "<p class=\"muted\">… and " << (finding.residue_examples.size() - shown) << " more (see report.json).</p>\n";
  }
}

void write_findings(std::ostringstream& out, const Report& report, const HtmlOptions& options) {
  out << "<section id=\"findings\"><h2>Findings (" << report.findings.size() << ")</h2>\n";
  if (report.findings.empty()) {
    out << (report.series.empty() ? "<p>No findings in this report.</p>\n"
                                  : "<p class=\"ok\">None: every judged series stayed bounded.</p>\n");
  }
  for (const Finding& f : report.findings) {
    out << "<article class=\"finding\"><h3>" << h(to_string(f.kind)) << " · " << h(f.component) << " · <code>"
        << h(f.series) << "</code></h3>\n<p>" << h(f.message) << "</p>\n";
    out << "<table><tr><th>time to detect (virtual)</th><td class=\"num\">"
        << h(format_optional_duration(f.time_to_detect_s)) << "</td></tr>\n";
    for (const auto& [name, value] : f.figures) {
      out << "<tr><th>" << h(name) << "</th><td class=\"num\">" << h(format_number(value)) << "</td></tr>\n";
    }
    out << "</table>\n";
    if (const Series* series = find_series(report, f.series)) {
      out << chart_for(*series, report.scenario, options) << "\n";
    } else {
      out << "<p class=\"muted\">No samples were recorded for this series.</p>\n";
    }
    write_residue(out, f, options);
    out << "</article>\n";
  }
  out << "</section>\n";
}

void write_heap(std::ostringstream& out, const HeapProfile& heap, const HtmlOptions& options) {
  out << "<section id=\"heap\"><h2>Heap profile</h2>\n";
  if (heap.backend == HeapBackend::none) {
    out << "<p>No heap profile" << (heap.reason.empty() ? "" : ": " + h(heap.reason)) << ".</p>\n</section>\n";
    return;
  }
  out << "<p>Backend: <strong>" << h(to_string(heap.backend)) << "</strong>";
  if (!heap.diff_base.empty()) {
    out << " · diff <code>" << h(heap.diff_base) << "</code> → <code>" << h(heap.diff_target) << "</code>";
  }
  out << "</p>\n";
  if (heap.top_sites.empty()) {
    out << "<p class=\"ok\">No allocation site grew between the dumps.</p>\n";
  } else {
    out << "<table><tr><th>#</th><th>bytes added</th><th>objects added</th><th>frame in our code</th>"
           "<th>stack</th></tr>\n";
    std::size_t shown = std::min(heap.top_sites.size(), options.max_heap_sites);
    for (std::size_t i = 0; i < shown; ++i) {
      const HeapSite& site = heap.top_sites[i];
      out << "<tr><td class=\"num\">" << (i + 1) << "</td><td class=\"num\">"
          << h(format_bytes(static_cast<double>(site.bytes_added))) << "</td><td class=\"num\">" << site.objects_added
          << "</td><td><code>" << h(site.our_frame) << "</code></td><td><details><summary>" << site.stack.size()
          << " frames</summary><pre>" << h(join(site.stack, "\n")) << "</pre></details></td></tr>\n";
    }
    out << "</table>\n";
  }
  if (heap.instrumentation_bytes_added > 0) {
    out << "<p>plateau's own sites (ledger, recorder, harness) grew by "
        << h(format_bytes(static_cast<double>(heap.instrumentation_bytes_added))) << " and are not listed.</p>\n";
  }
  if (!heap.open_commands.empty()) {
    out << "<p>Open the raw dumps with:</p>\n<pre>" << h(join(heap.open_commands, "\n")) << "</pre>\n";
  }
  if (!heap.dump_files.empty()) out << "<p>Dump files:</p>\n<pre>" << h(join(heap.dump_files, "\n")) << "</pre>\n";
  out << "</section>\n";
}

void write_canaries(std::ostringstream& out, const CanaryMatrix& matrix) {
  out << "<section id=\"canaries\"><h2>Canary matrix</h2>\n<table><tr><th>failpoint</th><th>seed</th>"
         "<th>expected component</th><th>detected</th><th>components fired</th><th>signals fired</th>"
         "<th>time to detect</th><th>heap site in component</th></tr>\n";
  for (const CanaryResult& c : matrix.canaries) {
    out << "<tr><td><code>" << h(c.failpoint) << "</code></td><td class=\"num\">" << c.seed << "</td><td>"
        << h(c.expected_component) << "</td><td class=\"" << (c.detected ? "ok\">yes" : "bad\">no") << "</td><td>"
        << h(join(c.components_fired, ", ")) << "</td><td>" << h(join(c.signals_fired, ", "))
        << "</td><td class=\"num\">" << h(format_optional_duration(c.time_to_detect_s)) << "</td><td>"
        << h(to_string(c.heap_site_in_component)) << "</td></tr>\n";
  }
  out << "</table>\n";
  if (!matrix.clean_runs.empty()) {
    out << "<h3>Clean runs</h3>\n<table><tr><th>seed</th><th>verdict</th></tr>\n";
    for (const CleanRun& run : matrix.clean_runs) {
      out << "<tr><td class=\"num\">" << run.seed << "</td><td class=\""
          << (run.verdict == Verdict::bounded ? "ok" : "bad") << "\">" << h(to_string(run.verdict)) << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "</section>\n";
}

void write_comparison(std::ostringstream& out, const Comparison& comparison) {
  out << "<section id=\"comparison\"><h2>Comparison</h2>\n<p>Base <code>" << h(comparison.base_report)
      << "</code> → candidate <code>" << h(comparison.candidate_report) << "</code></p>\n";
  out << "<table><tr><th>series</th><th>base slope / h</th><th>candidate slope / h</th><th>base peak</th>"
         "<th>candidate peak</th><th>regressed</th><th>note</th></tr>\n";
  for (const ComparisonRow& r : comparison.rows) {
    out << "<tr><td><code>" << h(r.series) << "</code></td><td class=\"num\">"
        << h(format_number(r.base_slope_per_s * 3600)) << "</td><td class=\"num\">"
        << h(format_number(r.candidate_slope_per_s * 3600)) << "</td><td class=\"num\">"
        << h(format_number(r.base_peak)) << "</td><td class=\"num\">" << h(format_number(r.candidate_peak))
        << "</td><td class=\"" << (r.regressed ? "bad\">yes" : "ok\">no") << "</td><td>" << h(r.message)
        << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

void write_all_series(std::ostringstream& out, const Report& report, const HtmlOptions& options) {
  std::set<std::string> charted;
  for (const Finding& f : report.findings) charted.insert(f.series);
  std::vector<const Series*> rest;
  for (const Series& s : report.series) {
    if (charted.count(s.name) == 0) rest.push_back(&s);
  }
  if (rest.empty()) return;
  out << "<section id=\"series\"><h2>Other series (" << rest.size() << ")</h2>\n";
  for (const Series* s : rest) {
    out << "<details><summary><code>" << h(s->name) << "</code> · " << h(s->component) << " · "
        << h(s->judged ? std::string(to_string(s->verdict)) : std::string("not judged"));
    if (s->declared_bound) out << " · bound " << h(format_value(*s->declared_bound, s->unit));
    out << "</summary>\n" << chart_for(*s, report.scenario, options) << "\n</details>\n";
  }
  out << "</section>\n";
}

void write_shards(std::ostringstream& out, const std::vector<ShardSummary>& shards) {
  out << "<section id=\"shards\"><h2>Merged shards (" << shards.size() << ")</h2>\n<table><tr><th>shard</th>"
         "<th>scenario</th><th>allocator</th><th>seed</th><th>verdict</th><th>findings</th><th>wall</th>"
         "<th>report</th></tr>\n";
  for (const ShardSummary& s : shards) {
    out << "<tr><td>" << h(s.label) << "</td><td>" << h(s.scenario_name) << "</td><td>" << h(s.allocator)
        << "</td><td class=\"num\">" << s.seed << "</td><td class=\""
        << (s.verdict == Verdict::bounded ? "ok" : "bad") << "\">" << h(to_string(s.verdict))
        << "</td><td class=\"num\">" << s.findings << "</td><td class=\"num\">"
        << h(format_duration(s.wall_duration_s)) << "</td><td><code>" << h(s.report_path) << "</code></td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

void write_context(std::ostringstream& out, const Report& report) {
  const Context& c = report.context;
  const ScenarioSummary& s = report.scenario;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"schema", std::string(kSchemaVersion)},
      {"host", c.host},
      {"OS", c.os},
      {"kernel", c.kernel},
      {"compiler", c.compiler},
      {"build type", c.build_type},
      {"allocator", c.allocator},
      {"git revision", c.git_revision},
      {"plateau version", c.plateau_version},
      {"scenario", c.scenario_name},
      {"scenario file", c.scenario_path},
      {"seed", std::to_string(c.seed)},
      {"clock", c.clock_mode},
      {"started (UTC)", c.start_time},
      {"wall duration", format_duration(c.wall_duration_s)},
      {"events processed", std::to_string(c.events_processed)},
      {"events per second", format_number(c.events_per_s)},
      {"failpoints on", c.failpoints_on.empty() ? std::string("none") : join(c.failpoints_on, ", ")},
      {"virtual duration", format_duration(s.duration_s)},
      {"warm-up", format_duration(s.warmup_s)},
      {"sample interval", format_duration(s.sample_interval_s)},
      {"trend window", format_duration(s.window_s)},
      {"audit interval", format_duration(s.audit_interval_s)},
  };
  for (const auto& [name, value] : s.parameters) rows.emplace_back(name, format_number(value));
  out << "<section id=\"context\"><h2>Context</h2>\n<table>\n";
  for (const auto& [name, value] : rows) out << "<tr><th>" << h(name) << "</th><td>" << h(value) << "</td></tr>\n";
  out << "</table>\n</section>\n";
}

}  // namespace

std::string render_html_report(const Report& report, const HtmlOptions& options) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>plateau: " << h(to_string(report.verdict)) << " — " << h(report.context.scenario_name)
      << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  write_header(out, report);
  if (!report.shards.empty()) write_shards(out, report.shards);
  write_findings(out, report, options);
  if (report.canary_matrix) write_canaries(out, *report.canary_matrix);
  if (report.comparison) write_comparison(out, *report.comparison);
  write_heap(out, report.heap_profile, options);
  write_all_series(out, report, options);
  write_context(out, report);
  out << "<footer class=\"muted\"><p>" << h(kSchemaVersion) << " · written by plateau "
      << h(report.context.plateau_version) << "</p></footer>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace plateau::reports

// report.html writer: one self-contained page (inline CSS and SVG, one small
// inline search script that fetches nothing, no fonts, no links out) so it
// opens from a CI artifact or an e-mail attachment without network access.
//
// Order is what a developer needs first: the verdict and the command that
// reproduces it, the findings (plain headline, chart with the time to
// detect marked, statistics folded into a "method" block), where memory grew
// (flame graph and top sites), small charts of process and allocator memory
// and the largest containers, then every other series grouped by component
// with the fastest-growing first.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "reports/flame_graph.h"
#include "reports/frames.h"
#include "reports/html_sections.h"
#include "reports/svg_chart.h"
#include "reports/text.h"
#include "reports/writers.h"

namespace plateau::reports {
namespace {

using namespace html;  // sections, helpers and palette shared with html_sections.cc

constexpr const char* kStyle = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:0 24px 48px;color:#1d1d1f;background:#fff}
h1{margin:0;font-size:28px}h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{margin:0 0 6px;font-size:17px}
header.verdict{margin:24px 0 8px;padding:16px 20px;border-radius:8px;color:#fff}
.v-bounded{background:#1b7f3b}.v-leak{background:#b3261e}.v-incomplete,.v-error,.v-inconclusive{background:#a15c00}
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
.repro{margin:4px 0 0;font-size:14px}.repro code{background:#f3f3f5;padding:2px 6px;border-radius:4px;user-select:all}
.glance{display:flex;flex-wrap:wrap;gap:8px}.glance svg.chart{margin:0}
details.method{background:#fafafa}details.method summary{color:#555}
p.ttd{margin:4px 0;font-weight:600}
svg.flame{display:block;max-width:100%;height:auto;font-size:11px;font-family:inherit;margin:6px 0}
svg.flame text{fill:#222;pointer-events:none}svg.flame g.hit rect{fill:#c2185b}svg.flame g.hit text{fill:#fff}
svg.flame g.dim rect{opacity:.35}
ol.stack{margin:4px 0 0;padding-left:22px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
ol.stack li.ours{color:#8a1c12;font-weight:600}ol.stack .where{color:#666;font-weight:400}
td.fn code{white-space:nowrap}
details.group>summary{font-weight:600}details.series{margin:4px 0}
)css";


std::string h(std::string_view text) { return xml_escape(text); }

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string verdict_class(Verdict verdict) { return "v-" + std::string(to_string(verdict)); }

std::string chart_for(const Series& series, const ScenarioSummary& scenario, const HtmlOptions& options,
                      std::optional<double> time_to_detect_s = std::nullopt, int width_px = 1000,
                      int height_px = 280, std::string title = {}) {
  if (title.empty()) title = series.name + " (" + series.component + ")";
  SvgChart chart({width_px, height_px, title, series.unit, scenario.duration_s});
  if (scenario.warmup_s > 0) chart.add_shaded_range(0, scenario.warmup_s, kWarmupColour, "warm-up (not judged)");
  chart.add_line(downsample_min_max(series.samples, options.max_chart_points), kSampleColour, 1.2, "samples");
  if (!series.window_minima.empty()) chart.add_markers(series.window_minima, kMinimaColour, "window minima");
  if (series.trend) {
    double end_s = std::max(scenario.duration_s, series.samples.empty() ? 0.0 : series.samples.back().t_s);
    chart.add_trend(*series.trend, scenario.warmup_s, end_s, kTrendColour, "Theil–Sen trend");
  }
  if (series.declared_bound) chart.add_horizontal(*series.declared_bound, kBoundColour, "declared bound");
  if (time_to_detect_s) chart.add_vertical(*time_to_detect_s, kTrendColour, "detectable from here");
  return chart.render();
}

const Series* find_series(const Report& report, const std::string& name) {
  for (const Series& series : report.series) {
    if (series.name == name) return &series;
  }
  return nullptr;
}

// The heap section's anchor of a site (HeapSiteTimeline::id holds spaces and
// colons, which an id attribute tolerates but a fragment link does not).
std::string site_anchor(const std::string& site_id) {
  std::string out = "site-";
  for (char c : site_id) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

const HeapSiteTimeline* find_site(const Report& report, const std::string& series_name) {
  constexpr std::string_view kPrefix = "heap.site.";
  if (!series_name.starts_with(kPrefix)) return nullptr;
  const std::string id = series_name.substr(kPrefix.size());
  for (const HeapSiteTimeline& site : report.heap_profile.sites) {
    if (site.id == id) return &site;
  }
  return nullptr;
}

std::string location_of(const std::string& file, std::uint32_t line) {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

// Finding -> site -> line: the sites that account for a finding's growth,
// shown beside its chart so the developer sees the function and the line
// without opening anything.
void write_finding_sites(std::ostringstream& out, const Finding& f) {
  if (f.sites.empty()) return;
  out << "<table class=\"where\"><tr><th>where it grew</th><th>file:line</th><th>component</th>"
         "<th>growth/h</th><th>share</th><th></th></tr>\n";
  for (const SiteShare& site : f.sites) {
    out << "<tr><td><code>" << h(site.function) << "</code></td><td><code>" << h(location_of(site.file, site.line))
        << "</code></td><td>" << h(site.component) << "</td><td class=\"num\">" << h(format_bytes(site.bytes_per_hour))
        << "/h</td><td class=\"num\">" << h(format_percent(site.share)) << "</td><td><a href=\"#"
        << h(site_anchor(site.site_id)) << "\">stack</a></td></tr>\n";
  }
  out << "</table>\n";
}

void write_header(std::ostringstream& out, const Report& report) {
  const Context& c = report.context;
  out << "<header class=\"verdict " << verdict_class(report.verdict) << "\"><h1>Verdict: "
      << h(to_string(report.verdict)) << "</h1>\n<p>" << h(c.scenario_name) << " · " << h(seed_text(report)) << " · "
      << report.findings.size() << " finding" << (report.findings.size() == 1 ? "" : "s") << " · "
      << h(virtual_span_text(report)) << " in " << h(format_duration(c.wall_duration_s))
      << " wall · " << h(c.allocator) << " · " << h(c.build_type) << "</p>\n";
  if (report.incomplete) {
    out << "<p><strong>Incomplete:</strong> "
        << h(report.incomplete_reason.empty() ? std::string("interrupted") : report.incomplete_reason) << "</p>\n";
  }
  if (!report.error_message.empty()) out << "<p><strong>Error:</strong> " << h(report.error_message) << "</p>\n";
  if (report.verdict == Verdict::inconclusive) {
    out << "<p><strong>Inconclusive:</strong> "
        << h(report.inconclusive_reason.empty() ? std::string("some series could not be trend-judged")
                                                : report.inconclusive_reason);
    if (report.minimum_conclusive_duration_s) {
      out << " Minimum conclusive duration: " << h(format_duration(*report.minimum_conclusive_duration_s)) << ".";
    }
    out << "</p>\n";
  }
  for (const std::string& note : report.notes) out << "<p><strong>Note:</strong> " << h(note) << "</p>\n";
  out << "</header>\n";
}

// The command that repeats the run and the build it came from, under the banner.
void write_reproduce(std::ostringstream& out, const Report& report) {
  const Context& c = report.context;
  if (!c.reproduce_command.empty()) {
    out << "<p class=\"repro\">Reproduce: <code>" << h(c.reproduce_command) << "</code></p>\n";
  }
  if (!c.git_revision.empty()) {
    out << "<p class=\"repro muted\">Built from git <code>" << h(c.git_revision) << "</code>"
        << (c.git_dirty ? (*c.git_dirty ? " with uncommitted changes (dirty)" : " (clean checkout)") : "")
        << " · plateau " << h(c.plateau_version) << " · " << h(c.allocator) << " · " << h(c.build_type) << "</p>\n";
  }
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
    const Series* series = find_series(report, f.series);
    const std::string unit = series ? series->unit : std::string();
    out << "<article class=\"finding\"><h3>" << plain_kind(f.kind) << ": " << h(f.component) << " · <code>"
        << h(f.series) << "</code></h3>\n<p>" << h(f.message) << "</p>\n";
    if (f.time_to_detect_s) {
      out << "<p class=\"ttd\">Detectable after " << h(format_duration(*f.time_to_detect_s))
          << " of virtual time (marked on the chart).</p>\n";
    }
    const HeapSiteTimeline* site = find_site(report, f.series);
    if (site) {
      out << "<p class=\"site\">Allocated at <code title=\"" << h(site->function_full) << "\">" << h(site->function)
          << "</code> in <code>" << h(location_of(site->file, site->line)) << "</code>"
          << (site->component.empty() ? std::string() : " (component " + h(site->component) + ")") << ".</p>\n";
    }
    write_finding_sites(out, f);
    if (series && !series->samples.empty()) {
      out << chart_for(*series, report.scenario, options, f.time_to_detect_s) << "\n";
    } else if (site && !site->live_bytes.empty()) {
      Series live;
      live.name = f.series;
      live.unit = "bytes";
      live.component = site->component;
      live.samples = site->live_bytes;
      out << chart_for(live, report.scenario, options, f.time_to_detect_s) << "\n";
    } else {
      out << "<p class=\"muted\">No samples were recorded for this series.</p>\n";
    }
    if (!f.figures.empty()) {
      out << "<details class=\"method\"><summary>Method: the statistics behind this finding</summary>\n<table>\n";
      for (const auto& [name, value] : f.figures) {
        const auto [plain, text] = plain_figure(name, value, unit);
        out << "<tr><th title=\"" << h(name) << "\">" << h(plain) << "</th><td class=\"num\">" << h(text)
            << "</td></tr>\n";
      }
      out << "</table>\n<p class=\"muted\">Trend: Theil–Sen slope of the per-window minima with a Mann–Kendall "
             "test; a finding needs the projected growth above both tolerances. See docs/verdict.md.</p>\n"
             "</details>\n";
    }
    write_residue(out, f, options);
    if (!f.stack.empty()) {
      out << "<details><summary>Allocation stack (" << f.stack.size() << " frames)</summary>";
      write_stack_list(out, f.stack);
      out << "</details>\n";
    }
    out << "</article>\n";
  }
  out << "</section>\n";
}

void write_heap(std::ostringstream& out, const HeapProfile& heap, const HtmlOptions& options) {
  out << "<section id=\"heap\"><h2>Where memory grew (heap profile)</h2>\n";
  if (heap.backend == HeapBackend::none) {
    out << "<p>No heap profile" << (heap.reason.empty() ? "" : ": " + h(heap.reason)) << ".</p>\n</section>\n";
    return;
  }
  out << "<p>Backend: <strong>" << h(to_string(heap.backend)) << "</strong>";
  if (!heap.diff_base.empty()) {
    out << " · growth from <code>" << h(heap.diff_base) << "</code> to <code>" << h(heap.diff_target)
        << "</code> (first and last measured checkpoints)";
  }
  out << "</p>\n";
  if (!heap.sites.empty()) {
    // Ranked by judged growth (the runner ranked them); see HeapSiteTimeline.
    out << "<table><tr><th>site</th><th>file:line</th><th>component</th><th>judged</th>"
           "<th>growth/h</th><th>trough to trough</th><th>peak live</th><th>stack</th></tr>\n";
    std::size_t shown = 0;
    for (const HeapSiteTimeline& site : heap.sites) {
      if (site.classification == "instrumentation" || shown >= options.max_heap_sites) continue;
      ++shown;
      const std::string location = site.line > 0 ? site.file + ":" + std::to_string(site.line) : site.file;
      out << "<tr id=\"" << h(site_anchor(site.id)) << "\"><td><code title=\"" << h(site.function_full) << "\">"
          << h(site.function) << "</code></td><td><code>" << h(location) << "</code></td><td>" << h(site.component)
          << "</td><td>" << h(site.classification) << "</td><td>" << h(format_bytes(site.bytes_per_hour))
          << "</td><td>" << h(format_bytes(site.growth_bytes)) << "</td><td>" << h(format_bytes(site.peak_bytes))
          << "</td><td><details><summary>" << site.stack.size() << " frames</summary>";
      write_stack_list(out, site.stack);
      out << "</details></td></tr>\n";
    }
    out << "</table>\n";
  }
  if (heap.top_sites.empty()) {
    if (heap.sites.empty()) out << "<p class=\"ok\">No allocation site grew between the dumps.</p>\n";
  } else {
    double total = 0;
    for (const HeapSite& site : heap.top_sites) total += site.bytes_added > 0 ? static_cast<double>(site.bytes_added) : 0;
    const std::string flame = render_flame_graph(flame_stacks_from(heap));
    if (!flame.empty()) {
      out << "<h3>Growth flame graph</h3>\n<p class=\"muted\">Outermost caller on top; width is the share of growth; "
             "our code in orange; hover a box for its full name.</p>\n"
          << flame_search_box() << flame << "\n";
    }
    std::size_t shown = std::min(heap.top_sites.size(), options.max_heap_sites);
    bool any_where = false;
    for (std::size_t i = 0; i < shown; ++i) any_where = any_where || !where_of(parse_frame(heap.top_sites[i].our_frame)).empty();
    out << "<h3>Top sites</h3>\n<table><tr><th>#</th><th>bytes added</th><th>share</th><th>objects added</th>"
           "<th>function (our code)</th>"
        << (any_where ? "<th>where</th>" : "") << "<th>stack</th></tr>\n";
    for (std::size_t i = 0; i < shown; ++i) {
      const HeapSite& site = heap.top_sites[i];
      const FrameText ours = parse_frame(site.our_frame);
      out << "<tr><td class=\"num\">" << (i + 1) << "</td><td class=\"num\">"
          << h(format_bytes(static_cast<double>(site.bytes_added))) << "</td><td class=\"num\">"
          << h(format_percent(total > 0 ? static_cast<double>(site.bytes_added) / total : 0))
          << "</td><td class=\"num\">" << site.objects_added << "</td><td class=\"fn\"><code title=\""
          << h(site.our_frame) << "\">" << h(short_frame_name(ours)) << "</code></td>";
      if (any_where) out << "<td>" << h(where_of(ours)) << "</td>";
      out << "<td><details><summary>" << site.stack.size() << " frames</summary>";
      write_stack_list(out, site.stack);
      out << "</details></td></tr>\n";
    }
    out << "</table>\n";
  }
  if (heap.instrumentation_bytes_added > 0) {
    out << "<p>plateau's own sites (ledger, recorder, harness) grew by "
        << h(format_bytes(static_cast<double>(heap.instrumentation_bytes_added))) << " and are not listed.</p>\n";
  }
  if (!heap.open_commands.empty()) {
    out << "<p>Open the raw dumps in a terminal (<code>plateau heap</code> symbolises offline, with file:line):</p>\n<pre>"
        << h(join(heap.open_commands, "\n")) << "</pre>\n";
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
      out << "<tr><td class=\"num\">" << run.seed << (run.fixture.empty() ? "" : " (" + h(run.fixture) + ")")
          << "</td><td class=\""
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
        << h(format_human(r.base_slope_per_s * 3600, "")) << "</td><td class=\"num\">"
        << h(format_human(r.candidate_slope_per_s * 3600, "")) << "</td><td class=\"num\">"
        << h(format_human(r.base_peak, "")) << "</td><td class=\"num\">" << h(format_human(r.candidate_peak, ""))
        << "</td><td class=\"" << (r.regressed ? "bad\">yes" : "ok\">no") << "</td><td>" << h(r.message)
        << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

void write_all_series(std::ostringstream& out, const Report& report, const HtmlOptions& options) {
  std::set<std::string> charted;
  for (const Finding& f : report.findings) charted.insert(f.series);
  // Grouped by component; in a group the fastest relative growth first, and
  // groups ordered by their fastest series, so what moves is on top.
  std::map<std::string, std::vector<std::pair<const Series*, Growth>>> groups;
  std::size_t total = 0;
  for (const Series& s : report.series) {
    if (charted.count(s.name) != 0) continue;
    groups[s.component.empty() ? std::string("other") : s.component].emplace_back(
        &s, growth_of(s, report.scenario.warmup_s));
    ++total;
  }
  if (total == 0) return;
  std::vector<std::pair<std::string, double>> order;
  for (auto& [component, members] : groups) {
    std::stable_sort(members.begin(), members.end(),
                     [](const auto& a, const auto& b) { return a.second.relative > b.second.relative; });
    order.emplace_back(component, members.front().second.relative);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  out << "<section id=\"series\"><h2>Other series (" << total << ")</h2>\n<p class=\"muted\">Grouped by component, "
         "fastest growth first (first to last window minimum after the warm-up).</p>\n";
  for (const auto& [component, fastest] : order) {
    const auto& members = groups[component];
    out << "<details class=\"group\"><summary>" << h(component) << " · " << members.size() << " series</summary>\n";
    for (const auto& [s, g] : members) {
      out << "<details class=\"series\"><summary><code>" << h(s->name) << "</code> · "
          << h(s->judged ? std::string(to_string(s->verdict)) : std::string("not judged"));
      if (!s->samples.empty()) {
        out << " · " << (g.absolute >= 0 ? "+" : "") << h(format_human(g.absolute, s->unit)) << " ("
            << (g.absolute >= 0 ? "+" : "") << h(format_human(g.per_hour, s->unit)) << "/h)";
      }
      if (s->declared_bound) out << " · bound " << h(format_value(*s->declared_bound, s->unit));
      out << "</summary>\n";
      if (s->samples.empty()) {
        out << "<p class=\"muted\">Samples not kept in this report (see the shard's own report).</p>\n";
      } else {
        out << chart_for(*s, report.scenario, options) << "\n";
      }
      out << "</details>\n";
    }
    out << "</details>\n";
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
      {"git checkout when built", !c.git_dirty ? std::string("unknown") : (*c.git_dirty ? "dirty" : "clean")},
      {"reproduce", c.reproduce_command.empty() ? std::string("—") : c.reproduce_command},
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
  write_reproduce(out, report);
  if (!report.shards.empty()) write_shards(out, report.shards);
  write_findings(out, report, options);
  if (report.canary_matrix) write_canaries(out, *report.canary_matrix);
  if (report.comparison) write_comparison(out, *report.comparison);
  // A clean run has no finding to show first: its memory charts go above the fold.
  if (report.findings.empty()) write_glance(out, report, options);
  write_heap(out, report.heap_profile, options);
  if (!report.findings.empty()) write_glance(out, report, options);
  write_all_series(out, report, options);
  write_context(out, report);
  out << "<footer class=\"muted\"><p>" << h(kSchemaVersion) << " · written by plateau "
      << h(report.context.plateau_version) << "</p></footer>\n"
      << (report.heap_profile.top_sites.empty() ? "" : flame_search_script()) << "</body>\n</html>\n";
  return out.str();
}

}  // namespace plateau::reports

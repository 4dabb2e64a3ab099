// Sections of report.html that read the model for people: plain names for
// a finding's statistics, readable stacks, growth ordering of series and the
// "memory at a glance" charts. Split from html_writer.cc to keep files small;
// see reports/html_sections.h.
#include "reports/html_sections.h"

#include <algorithm>
#include <cmath>

#include "reports/frames.h"
#include "reports/svg_chart.h"
#include "reports/text.h"

namespace plateau::reports::html {
namespace {

std::string h(std::string_view text) { return xml_escape(text); }

}  // namespace

namespace {

// A statistic's plain name and how its value reads; unknown names fall back
// to the raw name with spaces.
struct FigureStyle {
  const char* name;
  const char* plain;
  enum { unit, unit_per_hour, time, count, fraction, raw } as;
};
constexpr FigureStyle kFigureStyles[] = {
    {"slope_per_hour", "growth per hour (window minima)", FigureStyle::unit_per_hour},
    {"projected_growth", "growth projected over the horizon", FigureStyle::unit},
    {"relative_growth", "projected growth relative to the level", FigureStyle::fraction},
    {"absolute_tolerance", "tolerated absolute growth", FigureStyle::unit},
    {"relative_tolerance", "tolerated relative growth", FigureStyle::fraction},
    {"p_value", "p-value (Mann–Kendall, one-sided)", FigureStyle::raw},
    {"z", "Mann–Kendall z score", FigureStyle::raw},
    {"mann_kendall_s", "Mann–Kendall S statistic", FigureStyle::raw},
    {"windows", "windows judged", FigureStyle::count},
    {"window_s", "window length", FigureStyle::time},
    {"horizon_s", "horizon", FigureStyle::time},
    {"level", "level at the end of the warm-up", FigureStyle::unit},
    {"intercept", "trend intercept", FigureStyle::unit},
    {"slope_per_s", "growth per second", FigureStyle::raw},
    {"bound", "declared bound", FigureStyle::unit},
    {"max_observed", "largest value seen", FigureStyle::unit},
    {"first_over_bound_t_s", "first over the bound at", FigureStyle::time},
    {"first_over_bound_value", "value then", FigureStyle::unit},
    {"samples_over_bound", "samples over the bound", FigureStyle::count},
    {"first_nonzero_t_s", "first non-zero at", FigureStyle::time},
    {"first_nonzero_value", "value then", FigureStyle::unit},
    {"nonzero_samples", "non-zero samples", FigureStyle::count},
};

}  // namespace

std::pair<std::string, std::string> plain_figure(const std::string& name, double value, const std::string& unit) {
  for (const FigureStyle& style : kFigureStyles) {
    if (name != style.name) continue;
    switch (style.as) {
      case FigureStyle::unit: return {style.plain, format_human(value, unit)};
      case FigureStyle::unit_per_hour: return {style.plain, format_human(value, unit) + "/h"};
      case FigureStyle::time: return {style.plain, format_duration(value)};
      case FigureStyle::count: return {style.plain, format_human(value, "")};
      case FigureStyle::fraction: return {style.plain, format_percent(value)};
      case FigureStyle::raw: return {style.plain, format_number(value)};
    }
  }
  std::string plain = name;
  std::replace(plain.begin(), plain.end(), '_', ' ');
  return {plain, format_number(value)};
}

const char* plain_kind(FindingKind kind) {
  switch (kind) {
    case FindingKind::trend: return "Keeps growing";
    case FindingKind::bound: return "Over its declared bound";
    case FindingKind::invariant: return "Invariant broken";
    case FindingKind::residue: return "Held past its grace period";
  }
  return "Finding";
}

std::string where_of(const FrameText& frame) {
  if (!frame.location.empty()) return frame.location;
  if (frame.module.empty()) return "";
  const std::size_t slash = frame.module.rfind('/');
  return slash == std::string::npos ? frame.module : frame.module.substr(slash + 1);
}

// A stack as a list: the project's frames first and highlighted, other
// frames after them, allocator and runtime frames folded into one line.
void write_stack_list(std::ostringstream& out, const std::vector<std::string>& stack) {
  const StackView view = readable_stack(stack);
  out << "<ol class=\"stack\">";
  for (const FrameText& frame : view.shown) {
    const std::string where = where_of(frame);
    out << "<li" << (frame.kind == FrameKind::project ? " class=\"ours\"" : "") << " title=\"" << h(frame.full)
        << "\">" << h(short_frame_name(frame));
    if (!where.empty()) out << " <span class=\"where\">" << h(where) << "</span>";
    out << "</li>";
  }
  out << "</ol>";
  if (view.folded > 0) {
    out << "<p class=\"muted\">" << view.folded << " allocator / runtime frame" << (view.folded == 1 ? "" : "s")
        << " folded (full stack in report.json).</p>";
  }
}

// Growth of one series over the measured phase (after the warm-up, which
// fills every cache from nothing), for ordering: from the first to the last
// window minimum when there are two, else first to last sample.

Growth growth_of(const Series& series, double warmup_s) {
  auto measured = [warmup_s](const std::vector<Point>& all) {
    std::vector<Point> out;
    for (const Point& p : all) {
      if (p.t_s >= warmup_s) out.push_back(p);
    }
    return out;
  };
  std::vector<Point> points = measured(series.window_minima);
  if (points.size() < 2) points = measured(series.samples);
  Growth g;
  if (points.size() < 2) return g;
  const Point& first = points.front();
  const Point& last = points.back();
  g.absolute = last.value - first.value;
  if (last.t_s > first.t_s) g.per_hour = g.absolute / (last.t_s - first.t_s) * 3600;
  if (first.value != 0) {
    g.relative = g.absolute / std::fabs(first.value);
  } else if (g.absolute != 0) {
    g.relative = g.absolute > 0 ? 1e9 : -1e9;  // from nothing to something ranks first
  }
  return g;
}

namespace {

const Series* series_ending_with(const Report& report, std::string_view suffix) {
  for (const Series& s : report.series) {
    if (s.samples.empty()) continue;
    if (s.name == suffix || (s.name.size() > suffix.size() && s.name.compare(s.name.size() - suffix.size(),
                                                                             suffix.size(), suffix) == 0 &&
                             s.name[s.name.size() - suffix.size() - 1] == ':')) {
      return &s;
    }
  }
  return nullptr;
}

std::string glance_chart(const Series& series, const ScenarioSummary& scenario, const HtmlOptions& options,
                         const std::string& title) {
  SvgChart chart({350, 190, title, series.unit, scenario.duration_s});
  if (scenario.warmup_s > 0) chart.add_shaded_range(0, scenario.warmup_s, kWarmupColour, "");
  chart.add_line(downsample_min_max(series.samples, options.max_chart_points / 3), kSampleColour, 1.2, "");
  if (series.declared_bound) chart.add_horizontal(*series.declared_bound, kBoundColour, "");
  return chart.render();
}

}  // namespace

// Process memory, allocated bytes and the three largest containers, small.
void write_glance(std::ostringstream& out, const Report& report, const HtmlOptions& options) {
  std::vector<std::pair<const Series*, std::string>> charts;
  if (const Series* s = series_ending_with(report, "process.rss_bytes")) charts.emplace_back(s, "process memory (RSS)");
  if (const Series* s = series_ending_with(report, "alloc.allocated_bytes")) charts.emplace_back(s, "allocated bytes");
  std::vector<const Series*> containers;
  for (const Series& s : report.series) {
    if (s.family == "inventory" && s.unit == "bytes" && !s.samples.empty()) containers.push_back(&s);
  }
  std::stable_sort(containers.begin(), containers.end(), [](const Series* a, const Series* b) {
    return a->samples.back().value > b->samples.back().value;
  });
  for (std::size_t i = 0; i < containers.size() && i < 3; ++i) {
    std::string name = containers[i]->name;
    if (name.rfind("inventory.", 0) == 0) name = name.substr(10);
    charts.emplace_back(containers[i], name);
  }
  if (charts.empty()) return;
  out << "<section id=\"glance\"><h2>Memory at a glance</h2>\n<div class=\"glance\">\n";
  for (const auto& [series, title] : charts) out << glance_chart(*series, report.scenario, options, title) << "\n";
  out << "</div>\n<p class=\"muted\">Grey: warm-up (not judged). The largest containers are the inventory series "
         "with the most bytes at the end of the run.</p>\n</section>\n";
}

}  // namespace plateau::reports::html

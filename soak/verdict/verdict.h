// The soak verdict: given every probe series of a run, decide per series
// whether memory stayed bounded and, if not, say why, with figures and the
// earliest virtual time the finding would have fired (time to detect).
//
// The checks (docs/verdict.md has the method and its reasoning):
//   bound     - a declared bound is never exceeded;
//   invariant - counters that must stay zero (kind invariant) stay zero;
//   residue   - audit residue (kind residue) stays zero;
//   trend     - no significant upward trend of the per-window minima after
//               warm-up: Theil–Sen slope, one-sided Mann–Kendall p < alpha,
//               and growth projected over the horizon above both the absolute
//               and the relative tolerance.
// Bounds, invariants and residue are judged on every sample, warm-up included
// (a broken promise is not excused by warm-up; see judge_correctness_in_warm_up);
// the trend only after warm-up.
//
// Thread safety: stateless functions on values; call from any thread.
// Invariants: the verdict only computes; it never formats reports or reads the
// engine. Every figure it returns is finite. Findings come out in input series
// order, and within one series in the order bound, invariant/residue, trend.
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "soak/verdict/stats.h"

namespace plateau::soak {

// What a series measures, which decides the checks applied to it.
// inventory/alloc/process: bound (if declared) and trend; invariant/residue:
// bound (if declared) and must stay zero.
enum class SeriesKind { inventory, alloc, process, invariant, residue };
// site: an allocation site's live bytes trend up (soak/verdict/site_verdict.h).
enum class FindingKind { bound, invariant, residue, trend, site };

std::string_view to_string(SeriesKind kind) noexcept;
std::string_view to_string(FindingKind kind) noexcept;
std::ostream& operator<<(std::ostream& out, SeriesKind kind);
std::ostream& operator<<(std::ostream& out, FindingKind kind);
std::optional<SeriesKind> parse_series_kind(std::string_view text) noexcept;
// The kind implied by a series name's first segment ("inventory.plans..." ->
// inventory, "alloc.", "process.", "invariant.", "residue."), if any.
std::optional<SeriesKind> series_kind_from_name(std::string_view series_name) noexcept;

struct SeriesInput {
  std::string name;       // e.g. "inventory.plans.execution_locks.entries"
  std::string component;  // e.g. "plans"; named in findings
  SeriesKind kind = SeriesKind::inventory;
  std::string unit;             // e.g. "entries", "bytes"; selects an absolute tolerance
  std::vector<Point> samples;   // sorted by t_s
  std::optional<double> bound;  // declared bound, inclusive: value <= bound is fine
};

// An absolute tolerance for every series whose name starts with prefix.
struct PrefixTolerance {
  std::string prefix;
  double absolute = 0;
};

struct VerdictSettings {
  double warm_up_end_s = 0;  // samples before this are not judged for trend
  double window_s = 7200;    // must exceed the longest cleanup period
  double horizon_s = 86400;  // the scenario's duration; growth is projected over it
  double alpha = 0.01;       // Mann–Kendall one-sided significance level
  // Projected growth must exceed all of: the absolute tolerance (the series'
  // unit) and relative_tolerance * the steady level (median window minimum).
  double relative_tolerance = 0.05;
  double absolute_tolerance = 0;                    // when nothing below matches
  std::map<std::string, double> absolute_by_unit;   // e.g. {"bytes", 1 << 20}
  std::vector<PrefixTolerance> absolute_by_prefix;  // longest matching prefix wins
  std::size_t min_windows = 4;                      // fewer complete windows: trend not judged
  bool judge_correctness_in_warm_up = true;         // bounds, invariants, residue on every sample
};

// Throws std::invalid_argument naming the field, the value and the rule.
void validate(const VerdictSettings& settings);

// The absolute tolerance that applies to a series: the longest matching
// prefix, else its unit's, else the default.
double absolute_tolerance_for(const VerdictSettings& settings, std::string_view series_name,
                              std::string_view unit);

struct Finding {
  std::string series;
  std::string component;
  FindingKind kind = FindingKind::trend;
  std::string message;  // one line a person acts on
  // Figures by name (the same names as plateau::reports::Finding::figures).
  // bound: "bound", "max_observed", "first_over_bound_value",
  // "first_over_bound_t_s", "samples_over_bound". invariant/residue:
  // "first_nonzero_value", "first_nonzero_t_s", "max_observed",
  // "nonzero_samples". trend: "slope_per_hour", "slope_per_s", "intercept",
  // "p_value", "mann_kendall_s", "z", "windows", "window_s",
  // "projected_growth", "horizon_s", "level", "relative_growth",
  // "absolute_tolerance", "relative_tolerance", "max_observed".
  std::map<std::string, double> figures;
  std::optional<double> time_to_detect_s;  // earliest virtual time it would have fired

  std::optional<double> figure(std::string_view name) const;
};

// Everything the charts and the report need for one series.
struct SeriesAnalysis {
  std::string name;
  std::string component;
  SeriesKind kind = SeriesKind::inventory;
  std::vector<WindowMinimum> window_minima;  // after warm-up, complete windows only
  std::optional<TrendLine> trend;            // set when the trend was judged
  std::optional<MannKendall> mann_kendall;   // set when the trend was judged
  std::optional<double> projected_growth;    // slope * horizon, when judged
  std::optional<double> level;               // median window minimum, when any
  bool trend_judged = false;                 // false: kind without trend, or too few windows
  std::vector<Finding> findings;
  bool bounded() const noexcept { return findings.empty(); }
};

struct VerdictResult {
  std::vector<SeriesAnalysis> series;  // in input order
  std::vector<Finding> findings;       // all series' findings, in input order
  bool bounded() const noexcept { return findings.empty(); }
};

// Judges one series. Throws std::invalid_argument for invalid settings or
// unsorted / non-finite samples (naming the series).
SeriesAnalysis analyse_series(const SeriesInput& series, const VerdictSettings& settings);

// Judges every series.
VerdictResult judge(const std::vector<SeriesInput>& series, const VerdictSettings& settings);

}  // namespace plateau::soak

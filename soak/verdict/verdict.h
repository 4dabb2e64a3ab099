// The soak verdict: given every probe series of a run, decide per series
// whether memory stayed bounded and, if not, say why, with figures and the
// earliest virtual time the finding would have fired (time to detect).
//
// The checks (docs/verdict.md has the method and its reasoning):
//   bound     - a declared bound is never exceeded;
//   invariant - counters that must stay zero (kind invariant) stay zero;
//   residue   - audit residue (kind residue) stays zero;
//   trend     - no significant upward trend of the per-window minima after
//               warm-up (and, with restarts, within and across the
//               stretches between them; VerdictSettings::restarts_s): Theil–Sen slope, one-sided Mann–Kendall p < alpha,
//               and growth projected over the horizon above both the absolute
//               and the relative tolerance; and, when the largest rise
//               between neighbouring window minima stands alone (a possible
//               one-off level change), the same tests with the run split
//               there (trend_rule.h), so a step then flat is not a leak.
// A trend kind of series with fewer windows than windows_needed() makes the
// result inconclusive (VerdictResult::inconclusive); findings still count.
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
  // Set from the probe that publishes the series (probes::SeriesInfo::never_zero):
  // a figure a live process never has at 0. Read as 0 (or less) at every
  // sample after warm-up, it measured nothing, and judge() makes the run
  // inconclusive (Inconclusive::unmeasured) instead of calling it bounded.
  bool never_zero = false;
  // For a count of entries whose owner said what load drives it
  // (probes::SeriesInfo::arrivals): that cumulative arrivals counter (a fall
  // is a restart) and its name. The trend is then read per unit of load as
  // well, and a trend finding needs both readings (docs/verdict.md, "Load
  // that drifts"); ignored on a series of another unit.
  std::vector<Point> arrivals;
  std::string arrivals_series;
};

// An absolute tolerance for every series whose name starts with prefix AND
// whose unit is `unit`: a tolerance is a quantity of one unit, so a byte
// tolerance written for "process." never judges process.threads (issue 9
// item 5: a thread count that only grows hid under 8 MiB).
struct PrefixTolerance {
  std::string prefix;
  double absolute = 0;
  std::string unit = "bytes";
};

struct VerdictSettings {
  double warm_up_end_s = 0;  // samples before this are not judged for trend
  double window_s = 7200;    // must exceed the longest cleanup period
  double horizon_s = 86400;  // the scenario's duration; growth is projected over it
  double alpha = 0.01;       // Mann–Kendall one-sided significance level
  // Growth projected from the slope's lower confidence bound at this
  // confidence (trend_rule.h) must exceed all of: the absolute tolerance (the
  // series' unit) and relative_tolerance * the steady level (median window
  // minimum). alpha asks "is it growing at all?"; this asks "is the growth
  // shown to be larger than the tolerance?" (docs/verdict.md).
  double growth_confidence = 0.95;
  double relative_tolerance = 0.05;
  double absolute_tolerance = 0;                    // when nothing below matches
  std::map<std::string, double> absolute_by_unit;   // e.g. {"bytes", 1 << 20}
  std::vector<PrefixTolerance> absolute_by_prefix;  // longest matching prefix wins
  // Growth shown within the judged windows' own span (not projected over
  // the horizon) must exceed this, in the series' unit; 0: no such test.
  // For noise that can move any single point whatever its correlation from
  // point to point (heap-profile sampling: site_verdict.h).
  double observed_tolerance = 0;
  std::size_t min_windows = 4;                      // fewer complete windows: trend not judged
  bool judge_correctness_in_warm_up = true;         // bounds, invariants, residue on every sample
  // Instants at which the system under test restarted (strictly ascending,
  // > 0). Each begins a stretch that settles for warm_up_end_s again
  // (WindowGrid in stats.h). The trend is read twice and fires on either:
  // across restarts (every pair, projected over horizon_s: growth a restart
  // does not empty) and within stretches (pairs within one, pooled,
  // projected over the longest stretch: growth a restart empties). A
  // restart's fall is then neither read as shrinking nor hides growth.
  std::vector<double> restarts_s;
};

// The window grid these settings lay over a run.
WindowGrid window_grid(const VerdictSettings& settings);

// Throws std::invalid_argument naming the field, the value and the rule.
void validate(const VerdictSettings& settings);

// The absolute tolerance that applies to a series: the longest prefix
// written for the series' unit, else its unit's, else the default. A prefix
// tolerance of another unit never applies.
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
  // "projected_growth", "confident_growth", "lower_slope_per_hour",
  // "horizon_s", "level", "relative_growth",
  // "absolute_tolerance", "relative_tolerance", "max_observed"; for a
  // series read per unit of load also "load_adjusted_margin" and, for its
  // entries, "count_noise_floor" (the absolute tolerance's floor).
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
  // Growth over the horizon at the slope's lower growth_confidence
  // bound (trend_rule.h), when judged and the bound exists.
  std::optional<double> confident_growth;
  // Clean margin, when judged: confident_growth / the tolerance that applies
  // (the larger of the absolute tolerance and relative_tolerance x level),
  // the figure the trend rule compares with 1. When the largest rise stands
  // alone, the lower of that and the across-step growth's, which must pass
  // 1 as well. A clean run should stay well under it (target < 0.5);
  // negative when the bound allows shrinking.
  std::optional<double> margin;
  // When judged: the time the reported reading sees growth over
  // (observed_span_s in trend_rule.h), what an observed_tolerance is
  // compared against.
  std::optional<double> observed_span_s;
  bool trend_judged = false;                 // false: kind without trend, or too few windows
  // Set when the whole-run trend tests fired but growth did not continue
  // either side of the largest single rise of the minima: a one-off level
  // change (end of the window before it, and its size), judged bounded.
  std::optional<double> level_change_t_s;
  std::optional<double> level_change;
  // Set when the series was read per unit of load (SeriesInput::arrivals):
  // that reading's margin (`margin` is then the lower of the two), and
  // whether the raw trend fired but per unit of load it did not — growth
  // the load's rate explains, judged bounded.
  std::optional<double> load_adjusted_margin;
  bool growth_follows_load = false;
  std::string arrivals_series;  // SeriesInput::arrivals_series, when read per unit of load
  std::vector<Finding> findings;
  bool bounded() const noexcept { return findings.empty(); }
};

// Why a run could not be judged: some series that must be trend-judged held
// fewer complete windows than the trend test needs to be able to fire.
struct Inconclusive {
  std::vector<std::string> series;  // the series that could not be trend-judged
  std::size_t windows_seen = 0;     // the fewest complete windows among them
  std::size_t windows_needed = 0;   // windows_needed(settings)
  double window_s = 0;
  double warm_up_end_s = 0;
  // warm_up_end_s + windows_needed * window_s: the shortest run, warm-up as
  // set, whose measured phase holds enough windows. With restarts, the
  // shortest stretch between restarts that would be conclusive on its own.
  double minimum_duration_s = 0;
  std::size_t segments = 1;  // restart segments of the run (1: no restart)
  // Series marked never_zero that read 0 throughout the measured phase: a
  // probe that measured nothing (a longer run would not help; the
  // duration figures above describe `series` only, empty when it is).
  std::vector<std::string> unmeasured;
  std::string reason;  // one line: what was missing and why it is needed
};

struct VerdictResult {
  std::vector<SeriesAnalysis> series;  // in input order
  std::vector<Finding> findings;       // all series' findings, in input order
  // Set when a trend-judged kind of series held too few windows. A finding
  // still wins: callers report a leak when findings is not empty.
  std::optional<Inconclusive> inconclusive;
  bool bounded() const noexcept { return findings.empty(); }
  bool conclusive() const noexcept { return !inconclusive.has_value(); }
};

// The fewest complete windows after warm-up for the trend test to be able to
// fire at settings.alpha wherever the largest rise falls (>= min_windows).
std::size_t windows_needed(const VerdictSettings& settings);

// Judges one series. Throws std::invalid_argument for invalid settings or
// unsorted / non-finite samples (naming the series).
SeriesAnalysis analyse_series(const SeriesInput& series, const VerdictSettings& settings);

// Judges every series.
VerdictResult judge(const std::vector<SeriesInput>& series, const VerdictSettings& settings);

}  // namespace plateau::soak

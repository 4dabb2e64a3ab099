// compare_reports: does a candidate run's memory behave worse than a base
// run's? The computation behind `plateau compare BASE.json CANDIDATE.json`.
//
// Per series judged in either report (inventory, alloc, process, invariant,
// residue; health counters and unjudged series are cumulative or context-only
// and are skipped), it takes each side's growth slope (the verdict's
// Theil–Sen trend of the window minima when the report has one, else a
// Theil–Sen fit of the window minima, else of the samples after warm-up) and
// peak (largest sample), and calls the candidate regressed when
//   - the candidate's own verdict found the series growing (a finding fired
//     on it) and its extra growth, (candidate slope - base slope) * horizon,
//     exceeds both the absolute tolerance of the series and relative_growth *
//     the base level (median of the base window minima, else of its
//     samples): slopes of bounded series vary with the load's randomness, so
//     a slope difference the statistics did not call growth is not one; or
//   - its peak exceeds base peak * (1 + relative_peak) + the absolute
//     tolerance; or
//   - it exceeds a declared bound the base did not; or
//   - (invariant and residue series, which must stay zero) its peak is above
//     the base's peak; or
//   - the series is new in the candidate and the candidate judged it a leak;
//   - the series was judged in the base and is missing from the candidate
//     (row message "missing from the candidate").
// A row named "run" fails the comparison when the candidate was not judged
// (incomplete or error) or when neither report has a judged series, so an
// empty or interrupted candidate never passes.
// Rows come out regressed first, then by series name, so capped tables show
// what matters. The comparison never reads the engine: reports only.
//
// Thread safety: pure functions over values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/model.h"

namespace plateau::soak {

// The defaults mirror the gate scenario's verdict tolerances; see docs/ci.md.
struct CompareTolerances {
  // A candidate peak up to this share above the base peak (plus the
  // absolute tolerance) is noise: allocators and load differ run to run.
  double relative_peak = 0.10;
  // Extra projected growth up to this share of the base level is noise.
  double relative_growth = 0.05;
  // Absolute tolerance per series: the longest matching name prefix wins,
  // then the unit, then absolute_default. Same units as the series.
  std::map<std::string, double> absolute_by_prefix = {{"alloc.", 4.0 * 1024 * 1024},
                                                      {"process.rss_bytes", 8.0 * 1024 * 1024},
                                                      {"process.hwm_bytes", 8.0 * 1024 * 1024}};
  std::map<std::string, double> absolute_by_unit = {{"entries", 16}, {"bytes", 65536}};
  double absolute_default = 1;
  // Growth is projected over this many seconds; unset: the candidate's
  // scenario duration (or the base's if the candidate has none).
  std::optional<double> horizon_s;
};

// Throws std::invalid_argument naming the field when a tolerance is negative
// or not finite, or horizon_s is not positive.
void validate(const CompareTolerances& tolerances);

double absolute_tolerance_for(const CompareTolerances& tolerances, const std::string& series_name,
                              const std::string& unit);

// The growth slope (per second) and peak of one series, as compare uses them.
double series_slope_per_s(const reports::Series& series, double warmup_s);
double series_peak(const reports::Series& series);

// base_label / candidate_label name the inputs in the table (usually paths).
reports::Comparison compare_reports(const reports::Report& base, const reports::Report& candidate,
                                    const CompareTolerances& tolerances, const std::string& base_label,
                                    const std::string& candidate_label);

bool any_regressed(const reports::Comparison& comparison);

// The report `plateau compare` writes: the candidate's context and scenario,
// verdict leak when any row regressed (bounded otherwise), one finding per
// regressed row (naming the series, its component and why) with the
// candidate's series for those rows so the HTML charts them, and the
// comparison table.
reports::Report comparison_report(const reports::Report& candidate, const reports::Comparison& comparison);

}  // namespace plateau::soak

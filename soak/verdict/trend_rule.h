// The trend rule of the verdict on a run of window minima, and its time to
// detect: the earliest prefix of windows on which the same rule fires.
//
// The rule (docs/verdict.md has the reasoning) fires when BOTH hold:
//   whole run    - Theil–Sen slope over all pairs, one-sided Mann–Kendall
//                  p < alpha, projected growth (slope x horizon) above the
//                  absolute tolerance and relative tolerance x level;
//   across step  - only when the largest single rise between neighbouring
//                  windows stands alone (more than kStepDominance times every
//                  other rise, as a one-off level change does): the same
//                  three tests with the run split at that rise, counting only
//                  pairs on the same side (stratified Mann–Kendall, Theil–Sen
//                  within the two blocks). A one-off level change adds
//                  nothing there; growth that continues does. When the
//                  largest rise does not stand alone, growth came in several
//                  comparable rises and the whole-run tests decide.
// level = median of the minima. A prefix is judged exactly as if the run had
// stopped there (its own largest rise, its own level).
//
// first_firing_prefix computes every prefix incrementally in O(n^2 log n)
// time and O(n^2) memory for n windows (each pair slope enters each of two
// running medians once); first_firing_prefix_naive re-evaluates each prefix
// from scratch (O(n^3)) and exists to prove the two agree bit for bit.
//
// Thread safety: stateless functions on values; call from any thread.
// Invariants: points are in time order with finite values; the incremental
// and naive paths share every floating-point expression, so they agree.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "soak/verdict/stats.h"

namespace plateau::soak {

// How many times larger than every other neighbour rise the largest must be
// to be treated as a possible one-off level change.
inline constexpr double kStepDominance = 2.0;

struct TrendRule {
  double alpha = 0.01;
  double horizon_s = 86400;
  double relative_tolerance = 0.05;
  double absolute_tolerance = 0;
};

struct TrendEvaluation {
  TrendLine line;  // whole-run Theil–Sen
  MannKendall mk;  // whole-run Mann–Kendall
  double level = 0;
  double projected_growth = 0;
  double relative_amount = 0;  // relative_tolerance * |level|
  std::size_t step_after = 0;  // the largest rise is from point step_after to step_after + 1
  double step_rise = 0;
  double second_rise = 0;         // the largest other neighbour rise (or 0)
  bool step_alone = false;        // step_rise > 0 and > kStepDominance * max(second_rise, 0)
  double within_slope_per_s = 0;  // Theil–Sen over pairs on the same side of the largest rise
  MannKendall within_mk;          // Mann–Kendall stratified at the largest rise
  double within_projected_growth = 0;
  bool whole_fires = false;  // the whole-run tests alone
  bool fires = false;        // whole_fires and, if step_alone, the across-step tests
};

// The rule on points (window midpoints, minima) in time order.
TrendEvaluation evaluate_trend(std::span<const Point> points, const TrendRule& rule);

// The smallest k in [min_points, points.size()] for which the rule fires on
// the first k points; nullopt if none.
std::optional<std::size_t> first_firing_prefix(std::span<const Point> points, const TrendRule& rule,
                                               std::size_t min_points);
std::optional<std::size_t> first_firing_prefix_naive(std::span<const Point> points, const TrendRule& rule,
                                                     std::size_t min_points);

// The fewest windows with which the rule can fire at significance alpha
// wherever the largest rise falls: the smallest n >= min_windows for which
// a strictly rising run gives p < alpha both whole and stratified at every
// split. Fewer windows than this cannot show a leak by trend: inconclusive.
std::size_t conclusive_windows(double alpha, std::size_t min_windows);

}  // namespace plateau::soak

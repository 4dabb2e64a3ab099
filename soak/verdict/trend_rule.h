// The trend rule of the verdict on a run of window minima, and its time to
// detect: the earliest prefix of windows on which the same rule fires.
//
// The rule (docs/verdict.md has the reasoning) fires when BOTH hold:
//   whole run    - one-sided Mann–Kendall p < alpha, and the growth
//                  projected over the horizon from the lower
//                  (1 - bound_alpha) confidence bound of the Theil–Sen slope (Sen 1968: an
//                  order statistic of the pair slopes) above the absolute
//                  tolerance and relative tolerance x level. The growth must
//                  be shown to exceed the tolerance, not merely estimated
//                  to: a wandering load-following series whose median slope
//                  happens to project past the tolerance has a wide bound;
//                  and, when set, the growth shown within the points' span
//                  above observed_tolerance;
//   across step  - only when the largest single rise between neighbouring
//                  windows stands alone (more than kStepDominance times every
//                  other rise, as a one-off level change does): the same
//                  tests with the run split at that rise, counting only
//                  pairs on the same side (stratified Mann–Kendall, Theil–Sen
//                  within the two blocks). A one-off level change adds
//                  nothing there; growth that continues does. When the
//                  largest rise does not stand alone, growth came in several
//                  comparable rises and the whole-run tests decide.
// level = median of the minima. A prefix is judged exactly as if the run had
// stopped there (its own largest rise, its own level).
//
// Restart segments (WindowGrid in stats.h): when the points carry segment
// labels, only pairs within one segment count anywhere — Mann–Kendall pooled
// over segments, Theil–Sen and its bound over within-segment pairs — and the
// largest rise is sought between neighbours of one segment, splitting that
// segment in two. A restart that empties memory is then neither a fall nor
// a rise; growth within the segments is what is judged. Without labels (or
// with one segment) every figure is the same as before, bit for bit.
//
// first_firing_prefix computes every prefix incrementally in O(n^2 log n)
// time and O(n^2) memory for n windows (each pair slope enters two running
// order statistics once, and crosses their heaps only as the bound's rank
// grows); first_firing_prefix_naive re-evaluates each prefix
// from scratch (O(n^3)) and exists to prove the two agree bit for bit.
//
// Thread safety: stateless functions on values; call from any thread.
// Invariants: points are in time order with finite values; the incremental
// and naive paths share every floating-point expression, so they agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "soak/verdict/stats.h"

namespace plateau::soak {

// How many times larger than every other neighbour rise the largest must be
// to be treated as a possible one-off level change.
inline constexpr double kStepDominance = 2.0;

struct TrendRule {
  double alpha = 0.01;         // Mann–Kendall one-sided significance
  double bound_alpha = 0.05;   // 1 - the confidence of the slope's lower bound
  double horizon_s = 86400;
  double relative_tolerance = 0.05;
  double absolute_tolerance = 0;
  // Growth shown within the points' own span (the slope's lower bound times
  // observed_span_s) must exceed this too: a
  // tolerance for noise that can move any single point (heap-profile
  // sampling), compared with what was observed rather than projected,
  // because projecting multiplies a drift that correlated noise can make.
  // 0: no such test.
  double observed_tolerance = 0;
};

struct TrendEvaluation {
  TrendLine line;  // whole-run Theil–Sen
  MannKendall mk;  // whole-run Mann–Kendall
  double level = 0;
  double projected_growth = 0;  // Theil–Sen slope x horizon: the estimate
  // The lower (1 - alpha) confidence bound of the slope and the growth it
  // projects over the horizon: what the tolerances are compared with.
  // Unset when too few pairs give a bound at this confidence.
  std::optional<double> lower_slope_per_s;
  std::optional<double> confident_growth;
  double relative_amount = 0;  // relative_tolerance * |level|
  std::size_t step_after = 0;  // the largest rise is from point step_after to step_after + 1
  double step_rise = 0;
  double second_rise = 0;         // the largest other neighbour rise (or 0)
  bool step_alone = false;        // step_rise > 0 and > kStepDominance * max(second_rise, 0)
  double within_slope_per_s = 0;  // Theil–Sen over pairs on the same side of the largest rise
  MannKendall within_mk;          // Mann–Kendall stratified at the largest rise
  double within_projected_growth = 0;
  std::optional<double> within_lower_slope_per_s;  // the bound over pairs on the same side
  std::optional<double> within_confident_growth;
  bool whole_fires = false;  // the whole-run tests alone
  bool fires = false;        // whole_fires and, if step_alone, the across-step tests
};

// The rule on points (window midpoints, minima) in time order, with their
// restart segment labels (non-decreasing; empty: one segment). Throws
// std::invalid_argument when labels and points disagree in number or the
// labels fall.
TrendEvaluation evaluate_trend(std::span<const Point> points, const TrendRule& rule,
                               std::span<const std::uint32_t> segments = {});

// The smallest k in [min_points, points.size()] for which the rule fires on
// the first k points; nullopt if none.
std::optional<std::size_t> first_firing_prefix(std::span<const Point> points, const TrendRule& rule,
                                               std::size_t min_points, std::span<const std::uint32_t> segments = {});
std::optional<std::size_t> first_firing_prefix_naive(std::span<const Point> points, const TrendRule& rule,
                                                     std::size_t min_points,
                                                     std::span<const std::uint32_t> segments = {});

// The longest time growth is observed over: from the first point to the
// last, or, with segment labels, the longest such stretch within one
// segment (what a restart empties is seen growing no longer than that).
// TrendRule::observed_tolerance is compared with the bound times this.
double observed_span_s(std::span<const Point> points, std::span<const std::uint32_t> segments = {});

// Whether the rule can fire on windows laid out in restart segments of
// these sizes: a strictly rising run within every segment gives p < alpha
// and a slope bound, both pooled and with any one segment split at any
// point, and the segments hold min_windows in all.
bool conclusive_layout(double alpha, double bound_alpha, std::size_t min_windows,
                       std::span<const std::size_t> segment_sizes);

// The fewest windows with which the rule can fire at significance alpha
// wherever the largest rise falls: the smallest n >= min_windows for which
// conclusive_layout holds for one segment of n. Fewer windows than this
// cannot show a leak by trend: inconclusive.
std::size_t conclusive_windows(double alpha, double bound_alpha, std::size_t min_windows);

}  // namespace plateau::soak

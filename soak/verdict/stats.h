// Robust trend statistics for the soak verdict: per-window minima, the
// Theil–Sen slope and the Mann–Kendall trend test.
//
// These are pure functions on plain values, kept apart from the verdict so
// each can be tested against hand-computed figures. Times are virtual seconds
// since the start of the run (t_s). Why minima: periodic cleanup draws a
// saw-tooth, and the peaks move with load; the troughs left just after each
// cleanup are what a logical leak raises, so a window longer than the longest
// cleanup period always holds one trough. Why Theil–Sen and Mann–Kendall: both
// are rank-based, so one outlier or a step cannot drag them the way it drags a
// least-squares fit.
//
// Thread safety: stateless; call from any thread.
// Invariants: inputs must be finite; window_minima expects samples sorted by
// t_s (it checks and throws std::invalid_argument otherwise).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace plateau::soak {

struct Point {
  double t_s = 0;  // virtual seconds since the start of the run
  double value = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

// The lowest sample of one window [start_s, end_s). The trend is fitted at
// the window's midpoint so the fitted points are evenly spaced whatever the
// phase of the saw-tooth; min_t_s keeps where the trough really was.
struct WindowMinimum {
  double start_s = 0;
  double end_s = 0;
  double min_t_s = 0;
  double value = 0;
  std::uint32_t samples = 0;
  std::uint32_t segment = 0;  // restart segment (WindowGrid): 0 before the first restart
  double mid_s() const noexcept { return (start_s + end_s) / 2; }
  friend bool operator==(const WindowMinimum&, const WindowMinimum&) = default;
};

// Splits [from_s, ...) into back-to-back windows of window_s and returns the
// minimum of each complete window that holds at least one sample. A window is
// complete when the samples reach its end (the last sample lies within one
// typical sample gap of it); the trailing partial window is dropped because a
// minimum over less time reads high and would fake an upward trend. Samples
// before from_s are ignored. Throws std::invalid_argument if window_s <= 0 or
// the samples are not sorted by time.
std::vector<WindowMinimum> window_minima(std::span<const Point> samples, double from_s, double window_s);

// The verdict's window grid over a run whose system under test restarts.
// A restart empties whatever the system keeps in memory, so the minimum of a
// window holding it is the restarted system's, not the trough of a cleanup:
// it would drag every in-memory trend down. Each restart therefore begins a
// new segment that settles again: its windows run back to back from
// restart + warm_up_end_s (the same warm-up the run began with) and only
// those that end by the next restart count. Segment 0 starts at t = 0.
// Without restarts this is window_minima(samples, warm_up_end_s, window_s).
struct WindowGrid {
  double warm_up_end_s = 0;
  double window_s = 0;
  std::vector<double> restarts_s;  // strictly ascending, > 0
};

// Where a time falls on the grid: its segment (a sample at a restart's
// instant belongs to the new one) and the window of that segment whose end
// lies first after it (-1: the segment's warm-up). Windows that run past
// the next restart still get an index; window_minima drops them.
struct WindowSlot {
  std::uint32_t segment = 0;
  std::int64_t window = -1;
  friend bool operator==(const WindowSlot&, const WindowSlot&) = default;
};
WindowSlot window_slot(const WindowGrid& grid, double t_s) noexcept;

// Where a sampler that takes one point per window (the heap session's
// dumps) must take them: every window start of every segment before
// until_s, except the run's first (the measured phase's start, sampled
// anyway), ascending.
std::vector<double> window_starts(const WindowGrid& grid, double until_s);

// The minima of every segment's complete windows, in time order, each
// tagged with its segment. Throws as window_minima does.
std::vector<WindowMinimum> window_minima(std::span<const Point> samples, const WindowGrid& grid);

// value(t_s) = intercept + slope_per_s * t_s.
struct TrendLine {
  double intercept = 0;
  double slope_per_s = 0;
  double at(double t_s) const noexcept { return intercept + slope_per_s * t_s; }
  friend bool operator==(const TrendLine&, const TrendLine&) = default;
};

// Theil–Sen: the slope is the median of the slopes of every pair of points
// with distinct times; the intercept is the median of value - slope * t_s.
// Fewer than two distinct times give slope 0 through the median value
// (intercept 0 for no points).
TrendLine theil_sen(std::span<const Point> points);

// The same from the points' pair slopes already computed (pair_slopes), which
// it reorders: for callers that also need another order statistic of them.
TrendLine theil_sen_from_slopes(std::span<const Point> points, std::vector<double>& slopes);

struct MannKendall {
  std::int64_t s = 0;         // sum over i < j of sign(x_j - x_i)
  double variance = 0;        // of S under "no trend", corrected for ties
  double z = 0;               // normal score with continuity correction
  double p_value_upward = 1;  // one-sided: P(S at least this large | no trend)
  std::uint32_t n = 0;
};

// The Mann–Kendall test on values in time order. Ties (exactly equal values)
// count zero in S and reduce the variance; a series that is all ties has
// variance 0 and p-value 1, so a constant series never reads as a trend.
MannKendall mann_kendall(std::span<const double> values);

// The Mann–Kendall figures from an exact S and the exact numerator of the
// variance, n(n-1)(2n+5) - sum over ties of t(t-1)(2t+5) (summed over blocks
// for a stratified test); variance = numerator / 18. Shared by every variant
// so incremental and from-scratch computations give bit-identical p-values.
MannKendall mann_kendall_from(std::int64_t s, std::int64_t variance_numerator, std::size_t n) noexcept;

// The exact numerator n(n-1)(2n+5) - sum over tie groups of t(t-1)(2t+5).
std::int64_t mann_kendall_variance_numerator(std::span<const double> values);

// The Mann–Kendall test pooled over blocks: `blocks` labels each value with
// its block (non-decreasing labels, one per value; empty: one block). Only
// pairs within one block count in S, and the variance is the sum of the
// blocks' (the seasonal Kendall test). mann_kendall with one block.
MannKendall mann_kendall_blocked(std::span<const double> values, std::span<const std::uint32_t> blocks);

// The slopes of the pairs within one block (distinct times, i < j order).
std::vector<double> pair_slopes_blocked(std::span<const Point> points, std::span<const std::uint32_t> blocks);

// Index b of the largest rise between neighbours: values[b+1] - values[b] is
// the largest, the first one on ties. 0 for fewer than two values.
std::size_t largest_rise(std::span<const double> values) noexcept;

// Mann–Kendall stratified at a change point: the two blocks values[0..b] and
// values[b+1..] are tested separately and pooled (S and variance add; the
// seasonal Kendall test with two seasons). Pairs across the change point do
// not count, so a level change there adds nothing to S. mann_kendall_blocked
// with two blocks.
MannKendall mann_kendall_stratified(std::span<const double> values, std::size_t break_after);

// Theil–Sen slope over the pairs that do not straddle the change point:
// both in points[0..b] or both in points[b+1..]. 0 when there is no such pair.
double theil_sen_slope_within(std::span<const Point> points, std::size_t break_after);

// The median of any values, 0 when there are none (the one median of the
// verdict: series levels, site noise levels).
double median_of(std::vector<double> values);

// The median of pair slopes already computed (reordered), 0 when there are
// none: theil_sen_slope_within on pair_slopes_within.
double median_slope(std::vector<double>& slopes);

// Upper tail of the standard normal distribution, 1 - Phi(z).
double normal_upper_tail(double z) noexcept;

// The z with normal_upper_tail(z) == alpha, for 0 < alpha < 1 (bisection to
// the last bit: deterministic, no table).
double normal_upper_quantile(double alpha) noexcept;

// The slope of every pair of points with distinct times (i < j), in pair
// order; theil_sen's slope is their median.
std::vector<double> pair_slopes(std::span<const Point> points);

// The same over the pairs that do not straddle the change point
// (pair_slopes_blocked with two blocks).
std::vector<double> pair_slopes_within(std::span<const Point> points, std::size_t break_after);

// Sen's (1968) one-sided lower confidence bound of the Theil–Sen slope: of N
// pair slopes in ascending order, the one of 1-based rank
// floor((N - z * sqrt(variance)) / 2), where variance is the Mann–Kendall
// variance of S and z = normal_upper_quantile(alpha). This returns that
// rank's 0-based index, or nullopt when the rank is below 1: too few pairs
// for a bound at this confidence (the slope could be anything). The one
// expression every path uses, so incremental and from-scratch agree.
std::optional<std::size_t> sen_lower_index(std::size_t slopes, double variance, double z) noexcept;

// The bound itself: the slope of index sen_lower_index in `slopes` (which it
// reorders), or nullopt.
std::optional<double> sen_lower_slope(std::vector<double>& slopes, double variance, double z);

}  // namespace plateau::soak

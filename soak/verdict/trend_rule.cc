#include "soak/verdict/trend_rule.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

namespace plateau::soak {
namespace {

std::int64_t sign(double a, double b) { return (a > b) - (a < b); }

// n(n-1)(2n+5) and t(t-1)(2t+5): the terms of the Mann–Kendall variance.
std::int64_t cube_term(std::int64_t n) { return n * (n - 1) * (2 * n + 5); }

double pair_slope(const Point& earlier, const Point& later) {
  return (later.value - earlier.value) / (later.t_s - earlier.t_s);
}

double median_of_sorted(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  if (n == 0) return 0;
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// Whether one set of figures passes: significant, and the growth projected
// over the horizon from the slope's lower confidence bound above both
// tolerances. The one expression both paths use.
bool passes(const TrendRule& rule, double p_value, std::optional<double> lower_slope_per_s, double level) {
  if (!(p_value < rule.alpha) || !lower_slope_per_s) return false;
  const double confident = *lower_slope_per_s * rule.horizon_s;
  return confident > rule.absolute_tolerance && confident > rule.relative_tolerance * std::abs(level);
}

// Whether the largest rise stands alone as a one-off level change would.
bool stands_alone(double rise, bool any_other, double second_rise) {
  return rise > 0 && (!any_other || rise > kStepDominance * std::max(second_rise, 0.0));
}

// The element of a given rank in a multiset that only grows: a max-heap
// holding the `rank` smallest values and a min-heap the rest, so the answer
// is the min-heap's top. Every element crosses between the heaps only as
// the asked rank moves, so a rank that grows with the set costs O(log N) per
// element overall. Its answer is the same value nth_element gives at that
// index on the same multiset (sen_lower_slope in stats.cc).
class RunningRank {
 public:
  void reserve(std::size_t n) {
    lower_.reserve(n);
    upper_.reserve(n);
  }
  void add(double v) {
    if (upper_.empty() || v >= upper_.front()) {
      upper_.push_back(v);
      std::push_heap(upper_.begin(), upper_.end(), std::greater<>{});
    } else {
      lower_.push_back(v);
      std::push_heap(lower_.begin(), lower_.end());
    }
  }
  std::size_t size() const noexcept { return lower_.size() + upper_.size(); }
  // The element of 0-based `rank` < size().
  double at(std::size_t rank) {
    while (lower_.size() > rank) {
      std::pop_heap(lower_.begin(), lower_.end());
      upper_.push_back(lower_.back());
      lower_.pop_back();
      std::push_heap(upper_.begin(), upper_.end(), std::greater<>{});
    }
    while (lower_.size() < rank) {
      std::pop_heap(upper_.begin(), upper_.end(), std::greater<>{});
      lower_.push_back(upper_.back());
      upper_.pop_back();
      std::push_heap(lower_.begin(), lower_.end());
    }
    return upper_.front();
  }

 private:
  std::vector<double> lower_;  // max-heap
  std::vector<double> upper_;  // min-heap
};

// The lower bound of a running set's slopes, when the bound exists.
std::optional<double> running_lower(RunningRank& slopes, double variance, double z) {
  const std::optional<std::size_t> index = sen_lower_index(slopes.size(), variance, z);
  if (!index) return std::nullopt;
  return slopes.at(*index);
}

// Tie groups of a growing multiset and their sum of t(t-1)(2t+5).
class TieTerm {
 public:
  void add(double v) {
    std::int64_t& t = counts_[v];
    term_ += cube_term(t + 1) - cube_term(t);
    ++t;
  }
  void reset() {
    counts_.clear();
    term_ = 0;
  }
  std::int64_t term() const { return term_; }

 private:
  std::map<double, std::int64_t> counts_;
  std::int64_t term_ = 0;
};

}  // namespace

TrendEvaluation evaluate_trend(std::span<const Point> points, const TrendRule& rule) {
  std::vector<double> values;
  values.reserve(points.size());
  for (const Point& p : points) values.push_back(p.value);
  TrendEvaluation e;
  // Every pair slope, computed once: the Theil–Sen median and the lower
  // bound are two order statistics of the same multiset.
  std::vector<double> slopes = pair_slopes(points);
  e.line = theil_sen_from_slopes(points, slopes);
  e.mk = mann_kendall(values);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  e.level = median_of_sorted(sorted);
  e.projected_growth = e.line.slope_per_s * rule.horizon_s;
  e.relative_amount = rule.relative_tolerance * std::abs(e.level);
  e.step_after = largest_rise(values);
  e.step_rise = values.size() >= 2 ? values[e.step_after + 1] - values[e.step_after] : 0;
  bool any_other = false;
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    if (i == e.step_after) continue;
    const double rise = values[i + 1] - values[i];
    if (!any_other || rise > e.second_rise) e.second_rise = rise;
    any_other = true;
  }
  e.step_alone = stands_alone(e.step_rise, any_other, e.second_rise);
  std::vector<double> within_slopes = pair_slopes_within(points, e.step_after);
  e.within_slope_per_s = median_slope(within_slopes);
  e.within_mk = mann_kendall_stratified(values, e.step_after);
  e.within_projected_growth = e.within_slope_per_s * rule.horizon_s;
  const double z = normal_upper_quantile(rule.bound_alpha);
  e.lower_slope_per_s = sen_lower_slope(slopes, e.mk.variance, z);
  if (e.lower_slope_per_s) e.confident_growth = *e.lower_slope_per_s * rule.horizon_s;
  e.within_lower_slope_per_s = sen_lower_slope(within_slopes, e.within_mk.variance, z);
  if (e.within_lower_slope_per_s) e.within_confident_growth = *e.within_lower_slope_per_s * rule.horizon_s;
  e.whole_fires = passes(rule, e.mk.p_value_upward, e.lower_slope_per_s, e.level);
  e.fires = e.whole_fires &&
            (!e.step_alone || passes(rule, e.within_mk.p_value_upward, e.within_lower_slope_per_s, e.level));
  return e;
}

std::optional<std::size_t> first_firing_prefix_naive(std::span<const Point> points, const TrendRule& rule,
                                                     std::size_t min_points) {
  for (std::size_t k = std::max<std::size_t>(min_points, 1); k <= points.size(); ++k) {
    if (evaluate_trend(points.first(k), rule).fires) return k;
  }
  return std::nullopt;
}

std::optional<std::size_t> first_firing_prefix(std::span<const Point> points, const TrendRule& rule,
                                               std::size_t min_points) {
  const std::size_t n = points.size();
  const double z = normal_upper_quantile(rule.bound_alpha);
  RunningRank all, within;  // slopes of every pair / of pairs not straddling the largest rise
  all.reserve(n * (n - 1) / 2 + n);
  within.reserve(n * (n - 1) / 2 + n);
  std::vector<double> sorted;  // the prefix's values, for the level
  sorted.reserve(n);
  TieTerm ties_all, ties_after;
  std::int64_t s_all = 0, s_cross = 0;  // S over all pairs / over pairs straddling the rise
  std::int64_t ties_before = 0;         // tie term of the block before the rise (fixed per rise)
  std::size_t step_after = 0;
  double best_rise = 0, second_rise = 0;
  for (std::size_t j = 0; j < n; ++j) {  // point j joins; the prefix holds k = j + 1 points
    const Point& pj = points[j];
    for (std::size_t i = 0; i < j; ++i) {
      if (pj.t_s != points[i].t_s) all.add(pair_slope(points[i], pj));
      s_all += sign(pj.value, points[i].value);
    }
    const std::int64_t ties_without_j = ties_all.term();
    ties_all.add(pj.value);
    sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), pj.value), pj.value);

    if (j >= 1) {
      const double rise = pj.value - points[j - 1].value;
      if (j == 1 || rise > best_rise) {
        // The rise now falls just before j: the blocks become [0, j-1] and
        // [j]. Pairs that straddled the old rise inside [0, j-1] now lie
        // within a block; each pair makes this move at most once, since
        // the rise only ever moves forward.
        if (j >= 2) {
          for (std::size_t later = step_after + 1; later < j; ++later) {
            for (std::size_t i = 0; i <= step_after; ++i) {
              if (points[later].t_s != points[i].t_s) within.add(pair_slope(points[i], points[later]));
            }
          }
        }
        if (j >= 2) second_rise = best_rise;
        step_after = j - 1;
        best_rise = rise;
        s_cross = 0;
        for (std::size_t i = 0; i < j; ++i) s_cross += sign(pj.value, points[i].value);
        ties_before = ties_without_j;
        ties_after.reset();
        ties_after.add(pj.value);
      } else {
        if (j == 2 || rise > second_rise) second_rise = rise;
        for (std::size_t i = step_after + 1; i < j; ++i) {
          if (pj.t_s != points[i].t_s) within.add(pair_slope(points[i], pj));
        }
        for (std::size_t i = 0; i <= step_after; ++i) s_cross += sign(pj.value, points[i].value);
        ties_after.add(pj.value);
      }
    }

    const std::size_t k = j + 1;
    if (k < min_points) continue;
    const double level = median_of_sorted(sorted);
    const MannKendall mk =
        mann_kendall_from(s_all, cube_term(static_cast<std::int64_t>(k)) - ties_all.term(), k);
    // Significance first: the bound moves heap elements, so it is only
    // asked for when the cheap test already passes (passes() repeats it).
    if (!(mk.p_value_upward < rule.alpha)) continue;
    if (!passes(rule, mk.p_value_upward, running_lower(all, mk.variance, z), level)) continue;
    if (!stands_alone(best_rise, k >= 3, second_rise)) return k;
    const auto before_n = static_cast<std::int64_t>(step_after + 1);
    const auto after_n = static_cast<std::int64_t>(k) - before_n;
    const MannKendall within_mk = mann_kendall_from(
        s_all - s_cross, cube_term(before_n) - ties_before + cube_term(after_n) - ties_after.term(), k);
    if (!(within_mk.p_value_upward < rule.alpha)) continue;
    if (passes(rule, within_mk.p_value_upward, running_lower(within, within_mk.variance, z), level)) return k;
  }
  return std::nullopt;
}

std::size_t conclusive_windows(double alpha, double bound_alpha, std::size_t min_windows) {
  constexpr std::size_t kCap = 100000;
  const double z = normal_upper_quantile(bound_alpha);
  for (std::size_t n = std::max<std::size_t>(min_windows, 2); n < kCap; ++n) {
    const auto ni = static_cast<std::int64_t>(n);
    // A strictly rising run: every pair slope is positive, so the bound is
    // positive as soon as it exists.
    const auto bounded = [&](std::int64_t pairs, const MannKendall& mk) {
      return mk.p_value_upward < alpha && sen_lower_index(static_cast<std::size_t>(pairs), mk.variance, z).has_value();
    };
    if (!bounded(ni * (ni - 1) / 2, mann_kendall_from(ni * (ni - 1) / 2, cube_term(ni), n))) continue;
    bool every_split = true;
    for (std::int64_t before = 1; before < ni && every_split; ++before) {
      const std::int64_t after = ni - before;
      const std::int64_t s = before * (before - 1) / 2 + after * (after - 1) / 2;
      every_split = bounded(s, mann_kendall_from(s, cube_term(before) + cube_term(after), n));
    }
    if (every_split) return n;
  }
  return kCap;
}

}  // namespace plateau::soak

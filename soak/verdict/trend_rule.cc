#include "soak/verdict/trend_rule.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
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
bool passes(const TrendRule& rule, double p_value, std::optional<double> lower_slope_per_s, double level,
            double span_s) {
  if (!(p_value < rule.alpha) || !lower_slope_per_s) return false;
  const double confident = *lower_slope_per_s * rule.horizon_s;
  return confident > rule.absolute_tolerance && confident > rule.relative_tolerance * std::abs(level) &&
         (rule.observed_tolerance <= 0 || *lower_slope_per_s * span_s > rule.observed_tolerance);
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

// Segments label points in time order: one label per point, never falling.
void check_segments(std::span<const Point> points, std::span<const std::uint32_t> segments) {
  if (segments.empty()) return;
  if (segments.size() != points.size()) {
    throw std::invalid_argument("trend rule: " + std::to_string(segments.size()) + " segment labels for " +
                                std::to_string(points.size()) + " points");
  }
  for (std::size_t i = 1; i < segments.size(); ++i) {
    if (segments[i] < segments[i - 1]) {
      throw std::invalid_argument("trend rule: segment label " + std::to_string(segments[i]) + " of point " +
                                  std::to_string(i) + " is below the one before it");
    }
  }
}

}  // namespace

double observed_span_s(std::span<const Point> points, std::span<const std::uint32_t> segments) {
  double longest = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!segments.empty() && segments[i] != segments[first]) first = i;
    longest = std::max(longest, points[i].t_s - points[first].t_s);
  }
  return longest;
}

TrendEvaluation evaluate_trend(std::span<const Point> points, const TrendRule& rule,
                               std::span<const std::uint32_t> segments) {
  check_segments(points, segments);
  const std::size_t n = points.size();
  std::vector<std::uint32_t> blocks(segments.begin(), segments.end());
  if (blocks.empty()) blocks.assign(n, 0);
  std::vector<double> values;
  values.reserve(n);
  for (const Point& p : points) values.push_back(p.value);
  TrendEvaluation e;
  // Every pair slope within a segment, computed once: the Theil–Sen median
  // and the lower bound are two order statistics of the same multiset.
  std::vector<double> slopes = pair_slopes_blocked(points, blocks);
  e.line = theil_sen_from_slopes(points, slopes);
  e.mk = mann_kendall_blocked(values, blocks);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  e.level = median_of_sorted(sorted);
  e.projected_growth = e.line.slope_per_s * rule.horizon_s;
  e.relative_amount = rule.relative_tolerance * std::abs(e.level);
  // The largest rise between neighbours of one segment (the first on ties);
  // a restart is no rise.
  std::size_t rises = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (blocks[i] != blocks[i + 1]) continue;
    const double rise = values[i + 1] - values[i];
    if (rises == 0 || rise > e.step_rise) {
      e.step_after = i;
      e.step_rise = rise;
    }
    ++rises;
  }
  bool any_other = false;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (blocks[i] != blocks[i + 1] || i == e.step_after) continue;
    const double rise = values[i + 1] - values[i];
    if (!any_other || rise > e.second_rise) e.second_rise = rise;
    any_other = true;
  }
  e.step_alone = stands_alone(e.step_rise, any_other, e.second_rise);
  // The largest rise splits its segment in two blocks: labels 2s, and 2s + 1
  // after the rise.
  std::vector<std::uint32_t> split(n);
  for (std::size_t i = 0; i < n; ++i) {
    split[i] = 2 * blocks[i] + (rises > 0 && i > e.step_after && blocks[i] == blocks[e.step_after] ? 1 : 0);
  }
  std::vector<double> within_slopes = pair_slopes_blocked(points, split);
  e.within_slope_per_s = median_slope(within_slopes);
  e.within_mk = mann_kendall_blocked(values, split);
  e.within_projected_growth = e.within_slope_per_s * rule.horizon_s;
  const double z = normal_upper_quantile(rule.bound_alpha);
  e.lower_slope_per_s = sen_lower_slope(slopes, e.mk.variance, z);
  if (e.lower_slope_per_s) e.confident_growth = *e.lower_slope_per_s * rule.horizon_s;
  e.within_lower_slope_per_s = sen_lower_slope(within_slopes, e.within_mk.variance, z);
  if (e.within_lower_slope_per_s) e.within_confident_growth = *e.within_lower_slope_per_s * rule.horizon_s;
  const double span_s = observed_span_s(points, segments);
  e.whole_fires = passes(rule, e.mk.p_value_upward, e.lower_slope_per_s, e.level, span_s);
  e.fires = e.whole_fires &&
            (!e.step_alone ||
             passes(rule, e.within_mk.p_value_upward, e.within_lower_slope_per_s, e.level, span_s));
  return e;
}

std::optional<std::size_t> first_firing_prefix_naive(std::span<const Point> points, const TrendRule& rule,
                                                     std::size_t min_points,
                                                     std::span<const std::uint32_t> segments) {
  check_segments(points, segments);
  for (std::size_t k = std::max<std::size_t>(min_points, 1); k <= points.size(); ++k) {
    if (evaluate_trend(points.first(k), rule, segments.empty() ? segments : segments.first(k)).fires)
      return k;
  }
  return std::nullopt;
}

std::optional<std::size_t> first_firing_prefix(std::span<const Point> points, const TrendRule& rule,
                                               std::size_t min_points,
                                               std::span<const std::uint32_t> segments) {
  check_segments(points, segments);
  const std::size_t n = points.size();
  const auto segment_of = [&](std::size_t i) { return segments.empty() ? 0u : segments[i]; };
  const double z = normal_upper_quantile(rule.bound_alpha);
  // Pairs count only within a segment. `within` also leaves out the pairs
  // that straddle the largest rise (which lies inside one segment).
  RunningRank all, within;
  all.reserve(n * (n - 1) / 2 + n);
  within.reserve(n * (n - 1) / 2 + n);
  std::vector<double> sorted;  // the prefix's values, for the level
  sorted.reserve(n);
  // Mann–Kendall pooled over segments: S within segments, and the variance
  // numerator of every finished segment plus the current one's.
  std::int64_t s_all = 0;
  std::int64_t finished_numerator = 0;
  std::vector<std::size_t> segment_start{0};    // by segment ordinal
  std::vector<std::int64_t> segment_numerator;  // of finished segments
  TieTerm ties_current;                         // of the current segment
  std::size_t current_start = 0;
  // The largest rise: between step_after and step_after + 1, both in the
  // segment of ordinal step_segment; S over the pairs straddling it; the
  // tie terms of the two blocks it makes of that segment.
  TieTerm ties_after;
  std::int64_t s_cross = 0, ties_before = 0;
  std::size_t step_after = 0, step_segment = 0, rises = 0;
  double best_rise = 0, second_rise = 0;
  double longest_span_s = 0;  // observed_span_s of the prefix
  const auto numerator_of = [](std::size_t count, std::int64_t ties) {
    return cube_term(static_cast<std::int64_t>(count)) - ties;
  };
  for (std::size_t j = 0; j < n; ++j) {  // point j joins; the prefix holds k = j + 1 points
    const Point& pj = points[j];
    if (j > 0 && segment_of(j) != segment_of(j - 1)) {
      const std::int64_t done = numerator_of(j - current_start, ties_current.term());
      segment_numerator.push_back(done);
      finished_numerator += done;
      current_start = j;
      segment_start.push_back(j);
      ties_current.reset();
    }
    const std::size_t current = segment_start.size() - 1;
    longest_span_s = std::max(longest_span_s, pj.t_s - points[current_start].t_s);
    for (std::size_t i = current_start; i < j; ++i) {
      if (pj.t_s != points[i].t_s) all.add(pair_slope(points[i], pj));
      s_all += sign(pj.value, points[i].value);
    }
    const std::int64_t ties_without_j = ties_current.term();
    ties_current.add(pj.value);
    sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), pj.value), pj.value);

    if (j > current_start) {
      const double rise = pj.value - points[j - 1].value;
      if (rises == 0 || rise > best_rise) {
        // The rise now falls just before j: its segment splits into
        // [start, j-1] and [j, ...]. Pairs that straddled the old rise now
        // lie within a block; each pair makes this move at most once, since
        // the rise only ever moves forward.
        if (rises > 0) {
          const std::size_t old_end = step_segment == current ? j : segment_start[step_segment + 1];
          for (std::size_t later = step_after + 1; later < old_end; ++later) {
            for (std::size_t i = segment_start[step_segment]; i <= step_after; ++i) {
              if (points[later].t_s != points[i].t_s) within.add(pair_slope(points[i], points[later]));
            }
          }
          second_rise = best_rise;
        }
        step_after = j - 1;
        step_segment = current;
        best_rise = rise;
        s_cross = 0;
        for (std::size_t i = current_start; i < j; ++i) s_cross += sign(pj.value, points[i].value);
        ties_before = ties_without_j;
        ties_after.reset();
        ties_after.add(pj.value);
      } else {
        if (rises == 1 || rise > second_rise) second_rise = rise;
        const bool split_here = step_segment == current;
        for (std::size_t i = split_here ? step_after + 1 : current_start; i < j; ++i) {
          if (pj.t_s != points[i].t_s) within.add(pair_slope(points[i], pj));
        }
        if (split_here) {
          for (std::size_t i = current_start; i <= step_after; ++i)
            s_cross += sign(pj.value, points[i].value);
          ties_after.add(pj.value);
        }
      }
      ++rises;
    }

    const std::size_t k = j + 1;
    if (k < min_points) continue;
    const double level = median_of_sorted(sorted);
    const std::int64_t current_numerator = numerator_of(k - current_start, ties_current.term());
    const MannKendall mk = mann_kendall_from(s_all, finished_numerator + current_numerator, k);
    // Significance first: the bound moves heap elements, so it is only
    // asked for when the cheap test already passes (passes() repeats it).
    if (!(mk.p_value_upward < rule.alpha)) continue;
    if (!passes(rule, mk.p_value_upward, running_lower(all, mk.variance, z), level, longest_span_s)) continue;
    if (!stands_alone(rises > 0 ? best_rise : 0, rises >= 2, second_rise)) return k;
    const std::size_t split_start = segment_start[step_segment];
    const std::size_t split_end = step_segment == current ? k : segment_start[step_segment + 1];
    const std::size_t before_n = step_after + 1 - split_start;
    const std::size_t after_n = split_end - split_start - before_n;
    const std::int64_t unsplit =
        step_segment == current ? current_numerator : segment_numerator[step_segment];
    const MannKendall within_mk =
        mann_kendall_from(s_all - s_cross,
                          finished_numerator + current_numerator - unsplit +
                              numerator_of(before_n, ties_before) + numerator_of(after_n, ties_after.term()),
                          k);
    if (!(within_mk.p_value_upward < rule.alpha)) continue;
    if (passes(rule, within_mk.p_value_upward, running_lower(within, within_mk.variance, z), level,
               longest_span_s)) {
      return k;
    }
  }
  return std::nullopt;
}

bool conclusive_layout(double alpha, double bound_alpha, std::size_t min_windows,
                       std::span<const std::size_t> segment_sizes) {
  const double z = normal_upper_quantile(bound_alpha);
  // A strictly rising run within every segment: every pair slope is
  // positive, so the bound is positive as soon as it exists; S is the
  // number of pairs.
  const auto pairs = [](std::int64_t m) { return m * (m - 1) / 2; };
  const auto bounded = [&](std::int64_t s, std::int64_t numerator, std::size_t n) {
    const MannKendall mk = mann_kendall_from(s, numerator, n);
    return mk.p_value_upward < alpha &&
           sen_lower_index(static_cast<std::size_t>(s), mk.variance, z).has_value();
  };
  std::size_t n = 0;
  std::int64_t s = 0, numerator = 0;
  for (std::size_t m : segment_sizes) {
    n += m;
    s += pairs(static_cast<std::int64_t>(m));
    numerator += cube_term(static_cast<std::int64_t>(m));
  }
  if (n < std::max<std::size_t>(min_windows, 2) || !bounded(s, numerator, n)) return false;
  for (std::size_t m : segment_sizes) {
    const auto mi = static_cast<std::int64_t>(m);
    for (std::int64_t before = 1; before < mi; ++before) {
      const std::int64_t after = mi - before;
      if (!bounded(s - pairs(mi) + pairs(before) + pairs(after),
                   numerator - cube_term(mi) + cube_term(before) + cube_term(after), n)) {
        return false;
      }
    }
  }
  return true;
}

std::size_t conclusive_windows(double alpha, double bound_alpha, std::size_t min_windows) {
  constexpr std::size_t kCap = 100000;
  for (std::size_t n = std::max<std::size_t>(min_windows, 2); n < kCap; ++n) {
    const std::size_t one_segment[] = {n};
    if (conclusive_layout(alpha, bound_alpha, min_windows, one_segment)) return n;
  }
  return kCap;
}

}  // namespace plateau::soak

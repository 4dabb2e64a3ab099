#include "soak/verdict/stats.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

namespace plateau::soak {
namespace {

// Median of a scratch vector (reordered in place); NaN-free input assumed.
double median_in_place(std::vector<double>& values) {
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

// The typical spacing between samples: the median gap. Robust to the odd
// missed or doubled sample.
double typical_gap_s(std::span<const Point> samples) {
  if (samples.size() < 2) return 0;
  std::vector<double> gaps;
  gaps.reserve(samples.size() - 1);
  for (std::size_t i = 1; i < samples.size(); ++i) gaps.push_back(samples[i].t_s - samples[i - 1].t_s);
  return median_in_place(gaps);
}

}  // namespace

namespace {

void check_window_s(double window_s) {
  if (!(window_s > 0) || !std::isfinite(window_s)) {
    throw std::invalid_argument("window_minima: window_s = " + std::to_string(window_s) +
                                " must be a positive finite number of seconds");
  }
}

void check_sorted(std::span<const Point> samples) {
  for (std::size_t i = 1; i < samples.size(); ++i) {
    if (samples[i].t_s < samples[i - 1].t_s) {
      throw std::invalid_argument("window_minima: sample " + std::to_string(i) + " at t_s = " +
                                  std::to_string(samples[i].t_s) + " is earlier than the one before it");
    }
  }
}

// The minima of the windows [from_s + k * window_s, + window_s) that end by
// reach_s and hold a sample, from samples at or after from_s.
void collect_minima(std::span<const Point> judged, double from_s, double window_s, double reach_s,
                    std::uint32_t segment, std::vector<WindowMinimum>& minima) {
  std::size_t i = 0;
  for (std::size_t k = 0;; ++k) {
    const double start_s = from_s + static_cast<double>(k) * window_s;
    const double end_s = start_s + window_s;
    if (end_s > reach_s + 1e-9 * window_s) break;
    WindowMinimum w{start_s, end_s, 0, 0, 0, segment};
    for (; i < judged.size() && judged[i].t_s < end_s; ++i) {
      if (w.samples == 0 || judged[i].value < w.value) {
        w.value = judged[i].value;
        w.min_t_s = judged[i].t_s;
      }
      ++w.samples;
    }
    if (w.samples > 0) minima.push_back(w);
  }
}

std::span<const Point> from_time(std::span<const Point> samples, double from_s) {
  auto first = std::lower_bound(samples.begin(), samples.end(), from_s,
                                [](const Point& p, double t) { return p.t_s < t; });
  return {first, samples.end()};
}

}  // namespace

std::vector<WindowMinimum> window_minima(std::span<const Point> samples, double from_s, double window_s) {
  check_window_s(window_s);
  check_sorted(samples);
  const std::span<const Point> judged = from_time(samples, from_s);
  std::vector<WindowMinimum> minima;
  if (judged.empty()) return minima;
  // A window counts once the samples reach its end, give or take one gap, so
  // a run that stops exactly on a window boundary keeps its last window.
  collect_minima(judged, from_s, window_s, judged.back().t_s + typical_gap_s(judged), 0, minima);
  return minima;
}

namespace {

// Where segment `segment`'s windows begin: its restart (or the run's start)
// plus the warm-up.
double segment_from_s(const WindowGrid& grid, std::size_t segment) noexcept {
  return (segment == 0 ? 0 : grid.restarts_s[segment - 1]) + grid.warm_up_end_s;
}

}  // namespace

WindowSlot window_slot(const WindowGrid& grid, double t_s) noexcept {
  WindowSlot slot;
  const auto after = std::upper_bound(grid.restarts_s.begin(), grid.restarts_s.end(), t_s);
  slot.segment = static_cast<std::uint32_t>(after - grid.restarts_s.begin());
  const double from = segment_from_s(grid, slot.segment);
  const double w = grid.window_s;
  if (!(w > 0) || t_s < from) return slot;
  // The first window whose end lies after t_s, computed as window_minima
  // computes ends (from + k * w + w), so both agree at every boundary.
  auto end_of = [&](std::int64_t k) { return from + static_cast<double>(k) * w + w; };
  auto k = static_cast<std::int64_t>(std::floor((t_s - from) / w));
  while (k > 0 && end_of(k - 1) > t_s) --k;
  while (!(end_of(k) > t_s)) ++k;
  slot.window = k;
  return slot;
}

std::vector<double> window_starts(const WindowGrid& grid, double until_s) {
  std::vector<double> starts;
  if (!(grid.window_s > 0)) return starts;
  for (std::size_t segment = 0; segment <= grid.restarts_s.size(); ++segment) {
    const double from_s = segment_from_s(grid, segment);
    const double end_s = segment < grid.restarts_s.size() ? std::min(grid.restarts_s[segment], until_s) : until_s;
    for (std::size_t k = segment == 0 ? 1 : 0;; ++k) {
      const double t_s = from_s + static_cast<double>(k) * grid.window_s;
      if (!(t_s < end_s)) break;
      starts.push_back(t_s);
    }
  }
  return starts;
}

std::vector<WindowMinimum> window_minima(std::span<const Point> samples, const WindowGrid& grid) {
  if (grid.restarts_s.empty()) return window_minima(samples, grid.warm_up_end_s, grid.window_s);
  check_window_s(grid.window_s);
  check_sorted(samples);
  std::vector<WindowMinimum> minima;
  std::span<const Point> rest = samples;
  for (std::size_t segment = 0; segment <= grid.restarts_s.size(); ++segment) {
    const double from_s = segment_from_s(grid, segment);
    const bool last = segment == grid.restarts_s.size();
    // The segment's samples: up to its restart, or to the end of the run.
    const std::span<const Point> upto =
        last ? rest : rest.first(rest.size() - from_time(rest, grid.restarts_s[segment]).size());
    rest = rest.subspan(upto.size());
    const std::span<const Point> judged = from_time(upto, from_s);
    if (judged.empty()) continue;
    // The run went on past a restart, so every window that ends by it is
    // complete; one it cuts short is not. The last segment ends as a run does.
    const double reach_s = last ? judged.back().t_s + typical_gap_s(judged) : grid.restarts_s[segment];
    collect_minima(judged, from_s, grid.window_s, reach_s, static_cast<std::uint32_t>(segment), minima);
  }
  return minima;
}

std::vector<double> pair_slopes(std::span<const Point> points) { return pair_slopes_blocked(points, {}); }

TrendLine theil_sen(std::span<const Point> points) {
  std::vector<double> slopes = pair_slopes(points);
  return theil_sen_from_slopes(points, slopes);
}

TrendLine theil_sen_from_slopes(std::span<const Point> points, std::vector<double>& slopes) {
  if (points.empty()) return {};
  TrendLine line;
  if (!slopes.empty()) line.slope_per_s = median_in_place(slopes);
  std::vector<double> intercepts;
  intercepts.reserve(points.size());
  for (const Point& p : points) intercepts.push_back(p.value - line.slope_per_s * p.t_s);
  line.intercept = median_in_place(intercepts);
  return line;
}

double normal_upper_tail(double z) noexcept { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

MannKendall mann_kendall_from(std::int64_t s, std::int64_t variance_numerator, std::size_t n) noexcept {
  MannKendall result;
  result.n = static_cast<std::uint32_t>(n);
  result.s = s;
  result.variance = std::max(0.0, static_cast<double>(variance_numerator) / 18.0);
  if (result.variance <= 0) {
    result.z = 0;
    result.p_value_upward = 1;
    return result;
  }
  const double sd = std::sqrt(result.variance);
  const double sd_s = static_cast<double>(s);
  if (s > 0) {
    result.z = (sd_s - 1) / sd;
  } else if (s < 0) {
    result.z = (sd_s + 1) / sd;
  } else {
    result.z = 0;
  }
  result.p_value_upward = normal_upper_tail(result.z);
  return result;
}

std::int64_t mann_kendall_variance_numerator(std::span<const double> values) {
  // Each group of t equal values removes t(t-1)(2t+5) from n(n-1)(2n+5).
  std::map<double, std::int64_t> tie_counts;
  for (double v : values) ++tie_counts[v];
  const auto n = static_cast<std::int64_t>(values.size());
  std::int64_t numerator = n * (n - 1) * (2 * n + 5);
  for (const auto& [value, t] : tie_counts) numerator -= t * (t - 1) * (2 * t + 5);
  return numerator;
}

namespace {
std::int64_t kendall_s(std::span<const double> values) {
  std::int64_t s = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = i + 1; j < values.size(); ++j)
      s += (values[j] > values[i]) - (values[j] < values[i]);
  }
  return s;
}
}  // namespace

MannKendall mann_kendall(std::span<const double> values) {
  return mann_kendall_from(kendall_s(values), mann_kendall_variance_numerator(values), values.size());
}

namespace {
// The label of value i: blocks[i], or 0 for every value when blocks is empty.
std::uint32_t block_of(std::span<const std::uint32_t> blocks, std::size_t i) {
  return blocks.empty() ? 0 : blocks[i];
}
// [begin, end) of the block that starts at begin (labels are non-decreasing).
std::size_t block_end(std::span<const std::uint32_t> blocks, std::size_t begin, std::size_t n) {
  std::size_t end = begin + 1;
  while (end < n && block_of(blocks, end) == block_of(blocks, begin)) ++end;
  return end;
}
}  // namespace

MannKendall mann_kendall_blocked(std::span<const double> values, std::span<const std::uint32_t> blocks) {
  std::int64_t s = 0, numerator = 0;
  for (std::size_t begin = 0; begin < values.size();) {
    const std::size_t end = block_end(blocks, begin, values.size());
    const std::span<const double> block = values.subspan(begin, end - begin);
    s += kendall_s(block);
    numerator += mann_kendall_variance_numerator(block);
    begin = end;
  }
  return mann_kendall_from(s, numerator, values.size());
}

std::vector<double> pair_slopes_blocked(std::span<const Point> points, std::span<const std::uint32_t> blocks) {
  std::vector<double> slopes;
  if (blocks.empty() && points.size() >= 2) slopes.reserve(points.size() * (points.size() - 1) / 2);
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t j = i + 1; j < points.size() && block_of(blocks, j) == block_of(blocks, i); ++j) {
      const double dt = points[j].t_s - points[i].t_s;
      if (dt != 0) slopes.push_back((points[j].value - points[i].value) / dt);
    }
  }
  return slopes;
}

std::size_t largest_rise(std::span<const double> values) noexcept {
  std::size_t best = 0;
  for (std::size_t i = 1; i + 1 < values.size(); ++i) {
    if (values[i + 1] - values[i] > values[best + 1] - values[best]) best = i;
  }
  return best;
}

namespace {
// Two blocks split after a change point: label 0 up to break_after, 1 after.
std::vector<std::uint32_t> split_after(std::size_t n, std::size_t break_after) {
  std::vector<std::uint32_t> blocks(n, 0);
  for (std::size_t i = break_after + 1; i < n; ++i) blocks[i] = 1;
  return blocks;
}
}  // namespace

MannKendall mann_kendall_stratified(std::span<const double> values, std::size_t break_after) {
  return mann_kendall_blocked(values, split_after(values.size(), break_after));
}

std::vector<double> pair_slopes_within(std::span<const Point> points, std::size_t break_after) {
  return pair_slopes_blocked(points, split_after(points.size(), break_after));
}

double theil_sen_slope_within(std::span<const Point> points, std::size_t break_after) {
  std::vector<double> slopes = pair_slopes_within(points, break_after);
  return median_slope(slopes);
}

double median_of(std::vector<double> values) { return values.empty() ? 0 : median_in_place(values); }

double median_slope(std::vector<double>& slopes) { return slopes.empty() ? 0 : median_in_place(slopes); }

double normal_upper_quantile(double alpha) noexcept {
  // normal_upper_tail falls monotonically; bisect until the interval stops
  // shrinking (about 60 steps), so the result is exact to the last bit.
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    (normal_upper_tail(mid) > alpha ? lo : hi) = mid;
  }
  return lo + (hi - lo) / 2;
}

std::optional<std::size_t> sen_lower_index(std::size_t slopes, double variance, double z) noexcept {
  const double rank = std::floor((static_cast<double>(slopes) - z * std::sqrt(std::max(variance, 0.0))) / 2);
  if (!(rank >= 1)) return std::nullopt;
  return static_cast<std::size_t>(rank) - 1;
}

std::optional<double> sen_lower_slope(std::vector<double>& slopes, double variance, double z) {
  const std::optional<std::size_t> index = sen_lower_index(slopes.size(), variance, z);
  if (!index) return std::nullopt;
  const auto at = slopes.begin() + static_cast<std::ptrdiff_t>(*index);
  std::nth_element(slopes.begin(), at, slopes.end());
  return *at;
}

}  // namespace plateau::soak

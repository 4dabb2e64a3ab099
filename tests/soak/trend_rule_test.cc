// The trend rule's building blocks against hand-computed figures, and the
// incremental time-to-detect search against re-evaluating every prefix.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "soak/verdict/trend_rule.h"
#include "tests/soak/synthetic_series.h"

using namespace plateau::soak;
namespace tt = boost::test_tools;

namespace {

// The rule a randomised trial judges with: alpha, bound and tolerances vary
// with the trial and the kind of series.
// One trial in four also asks for growth shown within the observed span
// (observed_tolerance, the site verdict's sampling noise).
TrendRule trial_rule(int trial, int kind, std::size_t n) {
  return TrendRule{kind % 2 ? 0.01 : 0.001,
                   trial % 3 == 0 ? 0.001 : 0.05,
                   1200.0 * static_cast<double>(n),
                   0.05,
                   kind == 3 ? 0.5 : 2.0,
                   trial % 4 == 1 ? (kind == 3 ? 1.0 : 15.0) : 0.0};
}

// Checks the incremental search against the from-scratch one for several
// minimum prefix lengths; returns how many fired.
int check_fast_equals_naive(std::span<const Point> points, const TrendRule& rule,
                            std::span<const std::uint32_t> segments, int trial, int kind) {
  int fired = 0;
  for (std::size_t min_points : {std::size_t{3}, std::size_t{4}, std::size_t{9}}) {
    const auto fast = first_firing_prefix(points, rule, min_points, segments);
    const auto naive = first_firing_prefix_naive(points, rule, min_points, segments);
    BOOST_TEST_INFO("trial " << trial << " kind " << kind << " n " << points.size() << " min " << min_points);
    BOOST_TEST((fast == naive));
    fired += fast.has_value() ? 1 : 0;
  }
  return fired;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trend_rule)

BOOST_AUTO_TEST_CASE(largest_rise_is_the_first_biggest_neighbour_step) {
  BOOST_TEST(largest_rise(std::vector<double>{1, 2, 10, 11, 19}) == 1u);  // 2 -> 10 and 11 -> 19: first
  BOOST_TEST(largest_rise(std::vector<double>{5, 4, 3}) == 0u);
  BOOST_TEST(largest_rise(std::vector<double>{7}) == 0u);
}

BOOST_AUTO_TEST_CASE(stratified_mann_kendall_ignores_pairs_across_the_break) {
  // Blocks {1, 2, 3} and {10, 11}: S = 3 + 1; variance = (3*2*11 + 2*1*9) / 18.
  const std::vector<double> values{1, 2, 3, 10, 11};
  const auto mk = mann_kendall_stratified(values, 2);
  BOOST_TEST(mk.s == 4);
  BOOST_TEST(mk.variance == 84.0 / 18.0, tt::tolerance(1e-12));
  // A pure step: flat blocks, S = 0 and p = 1 where the plain test sees a trend.
  const std::vector<double> step{5, 5, 5, 9, 9, 9};
  BOOST_TEST(mann_kendall_stratified(step, 2).p_value_upward == 1.0);
  BOOST_TEST(mann_kendall(step).p_value_upward < 0.05);
}

BOOST_AUTO_TEST_CASE(theil_sen_within_blocks_sees_the_slope_not_the_step) {
  // Slope 1 on each side of a rise of 100 after t = 3.
  std::vector<Point> points;
  for (int i = 0; i < 8; ++i) points.push_back({double(i), i + (i >= 4 ? 100.0 : 0.0)});
  BOOST_TEST(theil_sen_slope_within(points, 3) == 1.0);
  BOOST_TEST(theil_sen(points).slope_per_s > 10.0);  // the cross-step slopes dominate the whole-run median
  BOOST_TEST(theil_sen_slope_within(std::vector<Point>{{0, 1}, {1, 5}}, 0) == 0.0);  // no pair within
}

BOOST_AUTO_TEST_CASE(conclusive_window_counts) {
  // alpha 0.001 (gate): 10 windows; alpha 0.01 (nightly): 8.
  BOOST_TEST(conclusive_windows(0.001, 0.05, 4) == 10u);
  BOOST_TEST(conclusive_windows(0.01, 0.05, 4) == 8u);
  BOOST_TEST(conclusive_windows(0.01, 0.05, 12) == 12u);
}

BOOST_AUTO_TEST_CASE(incremental_time_to_detect_equals_every_prefix_from_scratch) {
  // Many kinds of series, including ties, integer values, steps, accelerating
  // growth (the largest rise moves at every point) and falls.
  std::mt19937_64 rng(11);
  int fired = 0, compared = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = 4 + rng() % 40;
    const int kind = trial % 8;
    std::vector<Point> points;
    double level = 100;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(i);
      const double u = testing::uniform(rng, -1, 1);
      double v = 0;
      switch (kind) {
        case 0:
          v = 100 + 3 * x + 5 * u;
          break;  // linear + noise
        case 1:
          v = 100 + (i >= n / 2 ? 40 : 0) + 2 * u;
          break;  // step
        case 2:
          v = 100 + x * x * 0.5 + u;
          break;  // accelerating
        case 3:
          v = std::floor(3 + 2 * u + x / 8);
          break;  // small integers, ties
        case 4:
          level += 4 * u;
          v = level;
          break;  // random walk
        case 5:
          v = 100 - 2 * x + u;
          break;  // falling
        case 6:
          v = 100 + 10 * std::floor(x / 3) + u;
          break;  // staircase
        default:
          v = 100 + (i >= n / 3 ? 30 : 0) + 1.5 * x + 3 * u;
          break;  // step + leak
      }
      points.push_back({600 + 1200 * x, v});
    }
    fired += check_fast_equals_naive(points, trial_rule(trial, kind, n), {}, trial, kind);
    compared += 3;
  }
  // Both outcomes were exercised.
  BOOST_TEST(fired > compared / 5);
  BOOST_TEST(fired < compared);
}

BOOST_AUTO_TEST_CASE(incremental_time_to_detect_equals_from_scratch_with_restart_segments) {
  // Random restart layouts (segments of 1 to 12 points, a segment may hold
  // one point) over series that restart from zero, carry on across
  // restarts, step inside a segment, tie, or fall.
  std::mt19937_64 rng(29);
  int fired = 0, compared = 0, step_alone_across = 0;
  for (int trial = 0; trial < 500; ++trial) {
    const std::size_t n = 3 + rng() % 40;
    const int kind = trial % 7;
    std::vector<Point> points;
    std::vector<std::uint32_t> segments;
    std::uint32_t segment = 0;
    double since = 0, level = 100;
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0 && rng() % 7 == 0) {
        ++segment;
        since = 0;
      }
      const double x = static_cast<double>(i);
      const double u = testing::uniform(rng, -1, 1);
      double v = 0;
      switch (kind) {
        case 0:
          v = 10 + 6 * since + 2 * u;
          break;  // in-memory leak, emptied by each restart
        case 1:
          v = 100 + 3 * x + 4 * u;
          break;  // growth that survives restarts
        case 2:
          v = 100 + (since >= 3 ? 40 : 0) + u;
          break;  // a step inside each long enough segment
        case 3:
          v = std::floor(3 + 2 * u + since / 4);
          break;  // small integers, ties
        case 4:
          level += 4 * u;
          v = level;
          break;  // random walk
        case 5:
          v = 100 + (since + 1) * (since + 1) + u;
          break;  // accelerating within segments: the largest rise moves on
        default:
          v = 100 + 0.8 * since + (since >= 2 ? 20 * std::pow(3.0, segment) : 0) + u;
          break;  // a step in every segment, each three times the last: the rise moves to later segments
      }
      points.push_back({600 + 1200 * x, v});
      segments.push_back(segment);
      since += 1;
    }
    const TrendRule rule = trial_rule(trial, kind, n);
    const TrendEvaluation whole = evaluate_trend(points, rule, segments);
    if (whole.step_alone && segments.back() > segments[whole.step_after]) ++step_alone_across;
    fired += check_fast_equals_naive(points, rule, segments, trial, kind);
    compared += 3;
  }
  BOOST_TEST(fired > compared / 5);
  BOOST_TEST(fired < compared);
  BOOST_TEST(step_alone_across > 0);  // the largest rise was also exercised in an earlier segment
}

BOOST_AUTO_TEST_CASE(one_segment_is_the_unsegmented_rule_bit_for_bit) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 4 + rng() % 30;
    std::vector<Point> points;
    for (std::size_t i = 0; i < n; ++i) {
      points.push_back({600 + 1200.0 * static_cast<double>(i),
                        100 + 2.0 * static_cast<double>(i) * (trial % 3) + testing::uniform(rng, -5, 5)});
    }
    const std::vector<std::uint32_t> zeros(n, 0);
    const TrendRule rule{0.01, 0.05, 1200.0 * static_cast<double>(n), 0.05, 2.0};
    const TrendEvaluation a = evaluate_trend(points, rule), b = evaluate_trend(points, rule, zeros);
    BOOST_TEST(a.mk.p_value_upward == b.mk.p_value_upward);
    BOOST_TEST((a.line == b.line));
    BOOST_TEST((a.lower_slope_per_s == b.lower_slope_per_s));
    BOOST_TEST(a.within_mk.p_value_upward == b.within_mk.p_value_upward);
    BOOST_TEST(a.step_after == b.step_after);
    BOOST_TEST(a.fires == b.fires);
  }
  // Labels must match the points and never fall.
  const std::vector<Point> three{{0, 1}, {1, 2}, {2, 3}};
  const std::vector<std::uint32_t> short_labels{0, 0}, falling{0, 1, 0};
  BOOST_CHECK_THROW(evaluate_trend(three, TrendRule{}, short_labels), std::invalid_argument);
  BOOST_CHECK_THROW(first_firing_prefix(three, TrendRule{}, 3, falling), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

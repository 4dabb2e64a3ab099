#define BOOST_TEST_MODULE soak_verdict
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "soak/verdict/stats.h"

using plateau::soak::mann_kendall;
using plateau::soak::normal_upper_tail;
using plateau::soak::Point;
using plateau::soak::theil_sen;
using plateau::soak::window_minima;

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(stats)

BOOST_AUTO_TEST_CASE(theil_sen_ignores_one_outlier) {
  const std::vector<Point> points{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 100}};
  const auto line = theil_sen(points);
  BOOST_TEST(line.slope_per_s == 1.0, tt::tolerance(1e-12));
  BOOST_TEST(line.intercept == 0.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(theil_sen_of_a_line_is_the_line) {
  std::vector<Point> points;
  for (int i = 0; i < 10; ++i) points.push_back({3600.0 * i, 50 + 2.5 * i});
  const auto line = theil_sen(points);
  BOOST_TEST(line.slope_per_s * 3600 == 2.5, tt::tolerance(1e-9));
  BOOST_TEST(line.intercept == 50.0, tt::tolerance(1e-9));
  BOOST_TEST(line.at(7200) == 55.0, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(theil_sen_of_degenerate_input_is_flat) {
  BOOST_TEST(theil_sen(std::vector<Point>{}).slope_per_s == 0.0);
  const std::vector<Point> same_time{{5, 1}, {5, 3}, {5, 2}};
  const auto line = theil_sen(same_time);
  BOOST_TEST(line.slope_per_s == 0.0);
  BOOST_TEST(line.intercept == 2.0);
}

BOOST_AUTO_TEST_CASE(mann_kendall_matches_hand_computed_figures) {
  // S = 5; var = (4*3*13 - 2*1*9) / 18 = 138/18 (one pair of ties);
  // z = (5 - 1) / sqrt(var); p = 1 - Phi(z).
  const std::vector<double> values{1, 2, 2, 3};
  const auto mk = mann_kendall(values);
  BOOST_TEST(mk.s == 5);
  BOOST_TEST(mk.variance == 138.0 / 18.0, tt::tolerance(1e-12));
  BOOST_TEST(mk.z == 4.0 / std::sqrt(138.0 / 18.0), tt::tolerance(1e-12));
  BOOST_TEST(mk.p_value_upward == 0.0742, tt::tolerance(0.005));
}

BOOST_AUTO_TEST_CASE(mann_kendall_monotone_series_is_significant) {
  std::vector<double> values;
  for (int i = 0; i < 10; ++i) values.push_back(i);
  const auto mk = mann_kendall(values);
  BOOST_TEST(mk.s == 45);
  BOOST_TEST(mk.variance == 125.0, tt::tolerance(1e-12));  // 10*9*25/18
  BOOST_TEST(mk.p_value_upward < 1e-4);
  // A falling series is not an upward trend.
  std::vector<double> falling(values.rbegin(), values.rend());
  BOOST_TEST(mann_kendall(falling).p_value_upward > 0.99);
}

BOOST_AUTO_TEST_CASE(mann_kendall_constant_series_has_no_trend) {
  const std::vector<double> values(12, 7.0);
  const auto mk = mann_kendall(values);
  BOOST_TEST(mk.s == 0);
  BOOST_TEST(mk.variance == 0.0);
  BOOST_TEST(mk.p_value_upward == 1.0);
}

BOOST_AUTO_TEST_CASE(normal_tail) {
  BOOST_TEST(normal_upper_tail(0) == 0.5, tt::tolerance(1e-12));
  BOOST_TEST(normal_upper_tail(1.6448536) == 0.05, tt::tolerance(1e-6));
  BOOST_TEST(normal_upper_tail(2.3263479) == 0.01, tt::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(window_minima_take_each_complete_window) {
  // Samples every 10 s for 100 s; windows of 30 s from t = 10.
  std::vector<Point> samples;
  for (int i = 0; i <= 10; ++i) samples.push_back({10.0 * i, 100.0 - i + (i % 3 == 0 ? -50 : 0)});
  const auto minima = window_minima(samples, 10, 30);
  // Windows [10,40) [40,70) [70,100); the last sample at 100 reaches the end of
  // the third; [100,130) is partial and dropped; t = 0 is before from_s.
  BOOST_REQUIRE_EQUAL(minima.size(), 3u);
  BOOST_TEST(minima[0].value == 47.0);  // t = 30: 100 - 3 - 50
  BOOST_TEST(minima[0].min_t_s == 30.0);
  BOOST_TEST(minima[0].samples == 3u);
  BOOST_TEST(minima[1].value == 44.0);  // t = 60
  BOOST_TEST(minima[2].value == 41.0);  // t = 90
  BOOST_TEST(minima[2].start_s == 70.0);
  BOOST_TEST(minima[2].end_s == 100.0);
  BOOST_TEST(minima[2].mid_s() == 85.0);
}

BOOST_AUTO_TEST_CASE(window_minima_drop_the_trailing_partial_window) {
  std::vector<Point> samples;
  for (int i = 0; i <= 25; ++i) samples.push_back({10.0 * i, 1.0});
  // Windows of 100 s: [0,100) [100,200) complete; [200,300) reaches only 250.
  BOOST_TEST(window_minima(samples, 0, 100).size() == 2u);
}

BOOST_AUTO_TEST_CASE(window_minima_refuse_bad_input) {
  const std::vector<Point> unsorted{{0, 1}, {20, 1}, {10, 1}};
  BOOST_CHECK_THROW(window_minima(unsorted, 0, 5), std::invalid_argument);
  const std::vector<Point> fine{{0, 1}, {10, 1}};
  BOOST_CHECK_THROW(window_minima(fine, 0, 0), std::invalid_argument);
  BOOST_TEST(window_minima(std::vector<Point>{}, 0, 10).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// Restart segments: a system under test that restarts empties what it keeps
// in memory, so the verdict judges trends within the stretches between
// restarts (each settling after its own warm-up) and pools them. These tests
// pin down that a restart neither hides an in-memory leak nor reads as
// growth, that growth surviving restarts is still seen, and that restarts
// too frequent for the trend test make the run inconclusive, saying why.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "soak/verdict/trend_rule.h"
#include "soak/verdict/verdict.h"
#include "tests/soak/synthetic_series.h"

using namespace plateau::soak;
using plateau::soak::testing::saw_tooth;
using plateau::soak::testing::SawTooth;
using plateau::soak::testing::describe;

namespace {

constexpr double kHour = 3600;

// The last restart at or before t (0 before the first).
double last_restart(const std::vector<double>& restarts_s, double t) {
  double at = 0;
  for (double r : restarts_s) {
    if (r <= t) at = r;
  }
  return at;
}

VerdictSettings settings_for(const testing::RunShape& shape, std::vector<double> restarts_s) {
  VerdictSettings s = testing::settings_of(shape);
  s.absolute_by_unit = {{"entries", 16}};
  s.restarts_s = std::move(restarts_s);
  return s;
}

// An inventory saw-tooth (cleanups every shape.cleanup_period_s) on a floor
// given as a function of (time, time since the last restart).
SeriesInput series(const testing::RunShape& shape, const std::vector<double>& restarts_s,
                   std::function<double(double t, double since_restart)> floor, std::uint64_t seed) {
  SawTooth s;
  s.duration_s = shape.duration_s;
  s.sample_interval_s = 60;
  s.cleanup_period_s = shape.cleanup_period_s;
  s.growth_per_period = 200;
  s.noise = 20;
  s.seed = seed;
  s.floor = [=](double t) { return floor(t, t - last_restart(restarts_s, t)); };
  SeriesInput in;
  in.name = "inventory.sessions.table.entries";
  in.component = "sessions";
  in.kind = SeriesKind::inventory;
  in.unit = "entries";
  in.samples = saw_tooth(s);
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verdict_restarts)

BOOST_AUTO_TEST_CASE(the_grid_restarts_its_windows_after_each_restart_and_warm_up) {
  const WindowGrid grid{3600, 1200, {20700, 40000}};
  BOOST_TEST((window_slot(grid, 3599) == WindowSlot{0, -1}));
  BOOST_TEST((window_slot(grid, 3600) == WindowSlot{0, 0}));
  BOOST_TEST((window_slot(grid, 20699) == WindowSlot{0, 14}));  // [20400, 21600): cut short by the restart
  BOOST_TEST((window_slot(grid, 20700) == WindowSlot{1, -1}));  // the restart's instant: the new segment
  BOOST_TEST((window_slot(grid, 24300) == WindowSlot{1, 0}));   // 20700 + 3600
  BOOST_TEST((window_slot(grid, 40000) == WindowSlot{2, -1}));
  std::vector<Point> samples;
  for (double t = 0; t <= 50000; t += 60) samples.push_back({t, 1000 - t / 100});
  const auto minima = window_minima(samples, grid);
  // Segment 0: [3600, 20400) in 14 windows; the 15th runs past 20700.
  // Segment 1: [24300, 39900) in 13 windows. Segment 2: [43600, 49600): 5.
  std::size_t per_segment[3] = {0, 0, 0};
  for (const WindowMinimum& w : minima) ++per_segment[w.segment];
  BOOST_TEST(per_segment[0] == 14u);
  BOOST_TEST(per_segment[1] == 13u);
  BOOST_TEST(per_segment[2] == 5u);
  BOOST_TEST(minima[14].start_s == 24300.0);
  for (const WindowMinimum& w : minima) BOOST_TEST(w.end_s <= (w.segment == 0 ? 20700.0 : 50000.0));
  // A per-window sampler (the heap dumps) takes a point at every window
  // start of every segment; the run's first is the measured phase's start.
  const std::vector<double> starts = window_starts(grid, 50000);
  BOOST_TEST(starts.size() == 14u + 14u + 6u);
  BOOST_TEST(starts.front() == 4800.0);
  BOOST_TEST(starts[13] == 20400.0);
  BOOST_TEST(starts[14] == 24300.0);
  BOOST_TEST(starts.back() == 49600.0);
  const std::vector<double> plain = window_starts(WindowGrid{3600, 1200, {}}, 8400);
  BOOST_TEST((plain == std::vector<double>{4800, 6000, 7200}));
  // Without restarts the grid is the plain one.
  BOOST_TEST((window_minima(samples, WindowGrid{3600, 1200, {}}) == window_minima(samples, 3600, 1200)));
}

BOOST_AUTO_TEST_CASE(an_in_memory_leak_emptied_by_restarts_is_judged_within_the_stretches) {
  // 24 h, restarts every 8 h: a table that gains 150 entries an hour and is
  // emptied by each restart (a leak that lives in memory only).
  const testing::RunShape shape = testing::kNightlyShape;
  const std::vector<double> restarts{8 * kHour, 16 * kHour};
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const SeriesInput in = series(
        shape, restarts, [](double, double since) { return 1000 + 150 * since / kHour; }, seed);
    const auto judged = analyse_series(in, settings_for(shape, restarts));
    BOOST_TEST_INFO(describe(judged));
    BOOST_TEST(judged.findings.size() == 1u);
    BOOST_TEST(judged.findings.at(0).figure("stretches").value_or(0) == 3.0);
    // What a restart empties grows no longer than the longest stretch.
    BOOST_TEST(judged.findings.at(0).figure("horizon_s").value_or(0) == 8 * kHour);
    BOOST_TEST(judged.findings.at(0).message.find("within each stretch") != std::string::npos);
    // Judged as one stretch, the restarts' falls cancel the growth.
    const auto unsegmented = analyse_series(in, settings_for(shape, {}));
    BOOST_TEST_INFO(describe(unsegmented));
    BOOST_TEST(unsegmented.findings.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_restart_in_the_last_window_no_longer_pulls_the_trend_down) {
  // The gate's shape: a restart at 5h45m, inside the last 20-minute window,
  // whose minimum would otherwise be the emptied table's.
  const testing::RunShape shape = testing::kGateShape;
  const std::vector<double> restarts{5 * kHour + 45 * 60};
  const SeriesInput in = series(
      shape, restarts, [](double, double since) { return 2000 + 250 * since / kHour; }, 3);
  const auto judged = analyse_series(in, settings_for(shape, restarts));
  const auto unsegmented = analyse_series(in, settings_for(shape, {}));
  BOOST_TEST_INFO(describe(judged) << " | " << describe(unsegmented));
  BOOST_TEST(judged.window_minima.size() == 14u);  // the window the restart cuts short is not judged
  BOOST_TEST(unsegmented.window_minima.size() == 15u);
  BOOST_TEST(judged.findings.size() == 1u);
  BOOST_TEST(*judged.margin > *unsegmented.margin);
}

BOOST_AUTO_TEST_CASE(growth_that_survives_restarts_is_still_a_leak) {
  // A store on disk or a process-wide registry: restarts do not empty it.
  const testing::RunShape shape = testing::kNightlyShape;
  const std::vector<double> restarts{6 * kHour, 12 * kHour, 18 * kHour};
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const SeriesInput in = series(
        shape, restarts, [](double t, double) { return 1000 + 40 * t / kHour; }, seed);
    const auto judged = analyse_series(in, settings_for(shape, restarts));
    BOOST_TEST_INFO(describe(judged));
    BOOST_TEST(judged.findings.size() == 1u);
  }
}

BOOST_AUTO_TEST_CASE(refilling_after_a_restart_and_a_new_level_at_one_restart_are_bounded) {
  const testing::RunShape shape = testing::kNightlyShape;
  const std::vector<double> restarts{8 * kHour, 16 * kHour};
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    // The table refills over 40 minutes after each restart, then is steady.
    const SeriesInput refill = series(
        shape, restarts, [](double, double since) { return 1000 * std::min(1.0, since / 2400); }, seed);
    // One restart reloads a larger state once (a one-off level change at
    // the restart), flat before and after.
    const SeriesInput reload =
        series(shape, restarts, [&](double t, double) { return 1000 + 400 * (t >= 8 * kHour); }, seed);
    for (const SeriesInput* in : {&refill, &reload}) {
      const auto judged = analyse_series(*in, settings_for(shape, restarts));
      BOOST_TEST_INFO("seed " << seed << ": " << describe(judged));
      BOOST_TEST(judged.findings.empty());
      BOOST_TEST(judged.trend_judged);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_level_that_rises_at_every_restart_is_growth_across_restarts) {
  // Each restart leaves more behind (a store a reload adds to): a staircase
  // whose steps are the restarts, flat in between.
  const testing::RunShape shape = testing::kNightlyShape;
  const std::vector<double> restarts{6 * kHour, 12 * kHour, 18 * kHour};
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const SeriesInput in = series(
        shape, restarts,
        [](double t, double) { return 1000 + 300 * std::floor(t / (6 * kHour)); }, seed);
    const auto judged = analyse_series(in, settings_for(shape, restarts));
    BOOST_TEST_INFO(describe(judged));
    BOOST_REQUIRE(judged.findings.size() == 1u);
    BOOST_TEST(judged.findings[0].message.find("carries across") != std::string::npos);
    BOOST_TEST(judged.findings[0].figure("horizon_s").value_or(0) == 24 * kHour);
  }
}

BOOST_AUTO_TEST_CASE(restarts_too_frequent_for_the_trend_test_make_the_run_inconclusive) {
  // The gate's shape with a restart every 2 h: three stretches of three
  // 20-minute windows each after their 1 h warm-ups; the gate's alpha needs 10.
  const testing::RunShape shape = testing::kGateShape;
  const std::vector<double> restarts{2 * kHour, 4 * kHour};
  const SeriesInput in = series(
      shape, restarts, [](double, double since) { return 1000 + 500 * since / kHour; }, 1);
  const VerdictResult result = judge({in}, settings_for(shape, restarts));
  BOOST_TEST(result.bounded());
  BOOST_REQUIRE(!result.conclusive());
  const Inconclusive& why = *result.inconclusive;
  BOOST_TEST(why.segments == 3u);
  BOOST_TEST(why.windows_seen == 9u);
  BOOST_TEST(why.windows_needed == 10u);
  BOOST_TEST(why.minimum_duration_s == 1 * kHour + 10 * 1200.0);
  BOOST_TEST_INFO(why.reason);
  BOOST_TEST(why.reason.find("restart no more often than every 4h20m") != std::string::npos);
  // The same windows in one stretch would be conclusive... and 12 in two
  // stretches of 6 are too.
  const std::size_t one[] = {10}, two[] = {6, 6}, many[] = {3, 3, 3};
  BOOST_TEST(conclusive_layout(0.001, 0.05, 4, one));
  BOOST_TEST(conclusive_layout(0.001, 0.05, 4, two));
  BOOST_TEST(!conclusive_layout(0.001, 0.05, 4, many));
}

BOOST_AUTO_TEST_CASE(restart_instants_are_validated) {
  VerdictSettings s = settings_for(testing::kGateShape, {4 * kHour, 2 * kHour});
  BOOST_CHECK_EXCEPTION(validate(s), std::invalid_argument, [](const std::invalid_argument& e) {
    return std::string(e.what()).find("restarts_s[1] = 7200") != std::string::npos;
  });
  s.restarts_s = {0};
  BOOST_CHECK_THROW(validate(s), std::invalid_argument);
  s.restarts_s = {1 * kHour, 2 * kHour};
  BOOST_CHECK_NO_THROW(validate(s));
}

BOOST_AUTO_TEST_SUITE_END()

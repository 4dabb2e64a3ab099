#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "soak/verdict/verdict.h"
#include "tests/soak/synthetic_series.h"

using namespace plateau::soak;
using plateau::soak::testing::bounded_random_walk;
using plateau::soak::testing::saw_tooth;
using plateau::soak::testing::SawTooth;
using plateau::soak::testing::describe;

namespace {

constexpr double kHour = 3600;

// A 24 h run judged like nightly: 1 h warm-up, 2 h windows (longer than the
// hourly cleanup), alpha 0.01, 5% relative and 16 entries absolute tolerance.
VerdictSettings nightly_settings() {
  VerdictSettings s;
  s.warm_up_end_s = 1 * kHour;
  s.window_s = 2 * kHour;
  s.horizon_s = 24 * kHour;
  s.alpha = 0.01;
  s.relative_tolerance = 0.05;
  s.absolute_by_unit = {{"entries", 16}};
  return s;
}

// A 6 h run judged like the gate: 1 h warm-up, 20-minute windows, alpha
// 0.001, 10% relative and 16 entries absolute tolerance.
VerdictSettings gate_like() {
  VerdictSettings gate;
  gate.warm_up_end_s = 1 * kHour;
  gate.window_s = kHour / 3;
  gate.horizon_s = 6 * kHour;
  gate.alpha = 0.001;
  gate.relative_tolerance = 0.1;
  gate.absolute_by_unit = {{"entries", 16}};
  return gate;
}

SeriesInput inventory(std::vector<Point> samples, std::optional<double> bound = std::nullopt) {
  SeriesInput in;
  in.name = "inventory.plans.execution_locks.entries";
  in.component = "plans";
  in.kind = SeriesKind::inventory;
  in.unit = "entries";
  in.samples = std::move(samples);
  in.bound = bound;
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verdict)

BOOST_AUTO_TEST_CASE(hourly_saw_tooth_with_noise_is_bounded) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SawTooth s;
    s.seed = seed;
    const auto a = analyse_series(inventory(saw_tooth(s), 2000), nightly_settings());
    BOOST_TEST_INFO(describe(a));
    BOOST_TEST(a.trend_judged);
    BOOST_TEST(a.window_minima.size() == 11u);  // (24 h - 1 h) / 2 h, complete windows only
    BOOST_TEST(a.findings.empty());
  }
}

BOOST_AUTO_TEST_CASE(window_minima_sit_on_the_cleanup_floor) {
  // The window minima sit on the cleanup floor: about 1000 - noise, never
  // the 1500 peaks, so the steady level is the floor.
  const auto a = analyse_series(inventory(saw_tooth(SawTooth{})), nightly_settings());
  BOOST_REQUIRE(a.level.has_value());
  BOOST_TEST(*a.level < 1000.0);
  BOOST_TEST(*a.level > 960.0);
}

BOOST_AUTO_TEST_CASE(higher_peaks_from_more_load_are_not_a_leak) {
  // Load rises through the day, so more accumulates between cleanups (peaks
  // from 1300 to 1900), but every cleanup brings the container back to 1000.
  SawTooth s;
  s.duration_s = 24 * kHour;
  const auto base = saw_tooth(s);
  std::vector<Point> rising_peaks;
  for (const Point& p : base) {
    const double extra = (p.t_s / (24 * kHour)) * std::fmod(p.t_s, kHour) / kHour * 600;
    rising_peaks.push_back({p.t_s, p.value - 200 * std::fmod(p.t_s, kHour) / kHour + extra});
  }
  const auto a = analyse_series(inventory(rising_peaks, 2500), nightly_settings());
  BOOST_TEST_INFO(describe(a));
  BOOST_TEST(a.trend_judged);
  BOOST_TEST(a.findings.empty());
}

BOOST_AUTO_TEST_CASE(slow_leak_under_the_saw_tooth_is_a_trend) {
  // The floor rises 0.5% of the steady level per virtual hour: 5 entries/h,
  // 120 entries (12%) over the 24 h horizon, under 500 entries of saw-tooth.
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SawTooth s;
    s.seed = seed;
    s.floor = [](double t) { return 1000.0 * (1 + 0.005 * t / kHour); };
    const auto a = analyse_series(inventory(saw_tooth(s), 2000), nightly_settings());
    BOOST_TEST_INFO(describe(a));
    BOOST_REQUIRE_EQUAL(a.findings.size(), 1u);
    const Finding& f = a.findings.front();
    BOOST_TEST(f.kind == FindingKind::trend);
    BOOST_TEST(f.series == "inventory.plans.execution_locks.entries");
    BOOST_TEST(f.component == "plans");
    BOOST_TEST(*f.figure("slope_per_hour") == 5.0, boost::test_tools::tolerance(0.2));
    BOOST_TEST(*f.figure("p_value") < 0.01);
    BOOST_TEST(*f.figure("projected_growth") > 100.0);
    BOOST_TEST(f.message.find("inventory.plans.execution_locks.entries") != std::string::npos);
    // Detected from the minima of the first few windows, well before the end
    // and never before four windows after warm-up have closed.
    BOOST_REQUIRE(f.time_to_detect_s.has_value());
    BOOST_TEST(*f.time_to_detect_s >= 1 * kHour + 4 * 2 * kHour);
    BOOST_TEST(*f.time_to_detect_s <= 16 * kHour);
    // The chart gets the line through the minima.
    BOOST_REQUIRE(a.trend.has_value());
    BOOST_TEST(a.trend->slope_per_s * kHour == 5.0, boost::test_tools::tolerance(0.2));
  }
}

BOOST_AUTO_TEST_CASE(leak_too_small_for_the_tolerances_is_not_reported) {
  // 0.1% per hour: significant, but 24 entries (2.4%) over the horizon stays
  // under the 5% relative tolerance.
  SawTooth s;
  s.floor = [](double t) { return 1000.0 * (1 + 0.001 * t / kHour); };
  s.noise = 1;
  const auto a = analyse_series(inventory(saw_tooth(s)), nightly_settings());
  BOOST_TEST_INFO(describe(a));
  BOOST_REQUIRE(a.mann_kendall.has_value());
  BOOST_TEST(a.mann_kendall->p_value_upward < 0.01);
  BOOST_TEST(a.findings.empty());
}

BOOST_AUTO_TEST_CASE(margin_is_confident_growth_over_the_tolerance_that_applies) {
  // 0.1% per hour of a 1000 floor: about 24 entries over the 24 h horizon.
  // The relative tolerance (5% of ~1010 = ~50) beats the absolute 16, so the
  // margin is a little under 24 / 50 (the slope's lower bound, not its
  // estimate); a leak five times faster crosses 1.
  SawTooth s;
  s.floor = [](double t) { return 1000.0 * (1 + 0.001 * t / kHour); };
  s.noise = 1;
  const auto a = analyse_series(inventory(saw_tooth(s)), nightly_settings());
  BOOST_TEST_INFO(describe(a));
  BOOST_REQUIRE(a.margin.has_value());
  BOOST_REQUIRE(a.level.has_value() || a.projected_growth.has_value());
  const double tolerance = std::max(16.0, 0.05 * *a.level);
  BOOST_REQUIRE(a.confident_growth.has_value());
  BOOST_TEST(*a.margin == *a.confident_growth / tolerance, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(*a.confident_growth < *a.projected_growth);
  BOOST_TEST(*a.margin > 0.3);
  BOOST_TEST(*a.margin < 0.7);
  // The absolute tolerance applies when it is the larger one.
  VerdictSettings strict = nightly_settings();
  strict.absolute_by_unit = {{"entries", 240}};
  const auto b = analyse_series(inventory(saw_tooth(s)), strict);
  BOOST_REQUIRE(b.margin.has_value());
  BOOST_TEST(*b.margin == *b.confident_growth / 240.0, boost::test_tools::tolerance(1e-9));
  // Not judged, no margin.
  SeriesInput residue = inventory(saw_tooth(s));
  residue.kind = SeriesKind::residue;
  BOOST_TEST(!analyse_series(residue, nightly_settings()).margin.has_value());
}

BOOST_AUTO_TEST_CASE(a_lone_steps_margin_is_the_lower_of_the_whole_run_and_the_across_step_growth) {
  // A count of 1000 drifting up 40 over the run, that steps up 300 at
  // 3 h 30: the whole-run slope bound projects a good part of the
  // tolerance, but the rule also needs the growth either side of the step, which is only the
  // drift's. The margin says how close the rule came: under 1, and under
  // the whole-run figure alone.
  std::vector<Point> samples;
  for (double t = 0; t <= 6 * kHour; t += 10) {
    samples.push_back({t, (t < 3.5 * kHour ? 1000.0 : 1300.0) + 40 * t / (6 * kHour) + 2 * std::sin(t / 300)});
  }
  const auto a = analyse_series(inventory(samples), gate_like());
  BOOST_TEST_INFO(describe(a));
  BOOST_TEST(a.findings.empty());
  BOOST_REQUIRE(a.margin.has_value());
  BOOST_REQUIRE(a.confident_growth.has_value());
  const double whole = *a.confident_growth / std::max(16.0, 0.1 * *a.level);
  BOOST_TEST(whole > 0.3);
  BOOST_TEST(*a.margin < whole - 0.05);  // the drift alone: about 40 of a ~115 tolerance
}

BOOST_AUTO_TEST_CASE(wandering_load_is_not_shown_to_grow) {
  // A load-following count (open plans, say) over a gate-sized run: its
  // level wanders (sd 7.5%) from window to window, so the Theil–Sen estimate
  // sometimes projects past the 10% relative tolerance over the 6 h horizon
  // (the figure the margin used to be). The slope's lower 95% bound never
  // does: no finding, and every margin under 1. Breaking the rule back to
  // the point estimate (trend_rule.cc, passes) makes the margin check fail.
  const VerdictSettings gate = gate_like();
  int estimate_past_tolerance = 0;
  double widest = -1;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> wander(0, 150), jitter(0, 40);
    std::vector<Point> samples;
    double level = 2000;
    for (double t = 0; t <= 6 * kHour; t += 10) {
      if (std::fmod(t, kHour / 3) == 0) level = 2000 + wander(rng);
      samples.push_back({t, std::max(0.0, level + std::abs(jitter(rng)))});
    }
    const auto a = analyse_series(inventory(samples), gate);
    BOOST_TEST_INFO("seed " << seed << ": " << describe(a));
    BOOST_TEST(a.findings.empty());
    BOOST_REQUIRE(a.margin.has_value());
    widest = std::max(widest, *a.margin);
    const double tolerance = std::max(16.0, 0.1 * *a.level);
    estimate_past_tolerance += *a.projected_growth > tolerance ? 1 : 0;
  }
  BOOST_TEST_MESSAGE("wander: estimate past the tolerance in " << estimate_past_tolerance
                                                               << " of 100 seeds; widest margin " << widest);
  BOOST_TEST(estimate_past_tolerance > 0);
  BOOST_TEST(widest < 1.0);
}

BOOST_AUTO_TEST_CASE(growth_confidence_is_validated) {
  VerdictSettings s = nightly_settings();
  s.growth_confidence = 1;
  BOOST_CHECK_THROW(validate(s), std::invalid_argument);
  s.growth_confidence = 0;
  BOOST_CHECK_THROW(validate(s), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(step_then_flat_is_bounded) {
  // A cache fills to capacity three hours into the measured phase, then
  // stays there: a step, not a leak.
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SawTooth s;
    s.seed = seed;
    s.floor = [](double t) { return t < 4 * kHour ? 1000.0 : 1500.0; };
    const auto a = analyse_series(inventory(saw_tooth(s), 2500), nightly_settings());
    BOOST_TEST_INFO(describe(a));
    BOOST_TEST(a.findings.empty());
  }
}

BOOST_AUTO_TEST_CASE(random_walk_within_bounds_is_bounded) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto a = analyse_series(inventory(bounded_random_walk(900, 1100, 5, 24 * kHour, 10, seed), 1100),
                                  nightly_settings());
    BOOST_TEST_INFO(describe(a));
    BOOST_TEST(a.findings.empty());
  }
}

BOOST_AUTO_TEST_CASE(ties_and_constant_series_give_no_false_trend) {
  std::vector<Point> constant, small_counts, step_in_ties;
  std::mt19937_64 rng(7);
  for (double t = 0; t <= 24 * kHour; t += 10) {
    constant.push_back({t, 42});
    // A small container hovering between 3 and 6 entries.
    small_counts.push_back({t, 3.0 + static_cast<double>(rng() % 4)});
    // Half the run at 2, half at 3: Mann-Kendall alone calls this a trend;
    // the absolute tolerance (16 entries) does not.
    step_in_ties.push_back({t, t < 12 * kHour ? 2.0 : 3.0});
  }
  for (const auto* samples : {&constant, &small_counts, &step_in_ties}) {
    const auto a = analyse_series(inventory(*samples), nightly_settings());
    BOOST_TEST_INFO(describe(a));
    BOOST_TEST(a.trend_judged);
    BOOST_TEST(a.findings.empty());
  }
  const auto flat = analyse_series(inventory(constant), nightly_settings());
  BOOST_TEST(flat.mann_kendall->p_value_upward == 1.0);
  BOOST_TEST(flat.trend->slope_per_s == 0.0);
}

BOOST_AUTO_TEST_CASE(bound_exceeded_is_found_with_the_first_offending_time) {
  std::vector<Point> samples;
  for (double t = 0; t <= 6 * kHour; t += 10) samples.push_back({t, t >= 5000 && t < 6000 ? 1200.0 : 800.0});
  auto settings = nightly_settings();
  settings.horizon_s = 6 * kHour;
  settings.window_s = 1800;
  const auto a = analyse_series(inventory(samples, 1000), settings);
  BOOST_REQUIRE_EQUAL(a.findings.size(), 1u);
  const Finding& f = a.findings.front();
  BOOST_TEST(f.kind == FindingKind::bound);
  BOOST_TEST(*f.time_to_detect_s == 5000.0);
  BOOST_TEST(*f.figure("first_over_bound_t_s") == 5000.0);
  BOOST_TEST(*f.figure("bound") == 1000.0);
  BOOST_TEST(*f.figure("max_observed") == 1200.0);
  BOOST_TEST(*f.figure("samples_over_bound") == 100.0);
  // At the bound is within it.
  for (auto& p : samples) p.value = std::min(p.value, 1000.0);
  BOOST_TEST(analyse_series(inventory(samples, 1000), settings).findings.empty());
}

BOOST_AUTO_TEST_CASE(bound_exceeded_during_warm_up_still_counts) {
  // market.delay_first_cleanup overshoots before the first cleanup, which may
  // fall in warm-up; a declared bound is a promise at every instant.
  std::vector<Point> samples;
  for (double t = 0; t <= 6 * kHour; t += 10) samples.push_back({t, t < 600 ? 5000.0 : 100.0});
  auto settings = nightly_settings();
  settings.horizon_s = 6 * kHour;
  settings.window_s = 1800;
  const auto a = analyse_series(inventory(samples, 1000), settings);
  BOOST_REQUIRE_EQUAL(a.findings.size(), 1u);
  BOOST_TEST(*a.findings.front().time_to_detect_s == 0.0);
  settings.judge_correctness_in_warm_up = false;
  BOOST_TEST(analyse_series(inventory(samples, 1000), settings).findings.empty());
}

BOOST_AUTO_TEST_CASE(invariant_and_residue_must_stay_zero) {
  std::vector<Point> samples;
  for (double t = 0; t <= 6 * kHour; t += 60) samples.push_back({t, t >= 7200 ? 1.0 + (t >= 9000) : 0.0});
  SeriesInput inv{"invariant.paper.double_closes", "paper", SeriesKind::invariant, "count", samples, {}};
  SeriesInput res{"residue.plans.execution_locks", "plans", SeriesKind::residue, "entries", samples, {}};
  SeriesInput clean{"invariant.paper.skipped_cycles", "paper", SeriesKind::invariant, "count", {}, {}};
  for (const auto& p : samples) clean.samples.push_back({p.t_s, 0});
  auto settings = nightly_settings();
  settings.horizon_s = 6 * kHour;
  const auto result = judge({inv, res, clean}, settings);
  BOOST_TEST(!result.bounded());
  BOOST_REQUIRE_EQUAL(result.findings.size(), 2u);
  BOOST_TEST(result.findings[0].kind == FindingKind::invariant);
  BOOST_TEST(result.findings[0].component == "paper");
  BOOST_TEST(*result.findings[0].time_to_detect_s == 7200.0);
  BOOST_TEST(*result.findings[0].figure("max_observed") == 2.0);
  BOOST_TEST(result.findings[1].kind == FindingKind::residue);
  BOOST_TEST(result.findings[1].series == "residue.plans.execution_locks");
  BOOST_TEST(result.series[2].bounded());
  BOOST_TEST(!result.series[2].trend_judged);  // counters are not trend-tested
}

BOOST_AUTO_TEST_CASE(too_few_windows_leave_the_trend_unjudged) {
  SawTooth s;
  s.duration_s = 6 * kHour;
  s.floor = [](double t) { return 1000.0 * (1 + 0.05 * t / kHour); };
  auto settings = nightly_settings();
  settings.horizon_s = 6 * kHour;  // 1 h warm-up + 2 complete 2 h windows
  const auto a = analyse_series(inventory(saw_tooth(s)), settings);
  BOOST_TEST(a.window_minima.size() == 2u);
  BOOST_TEST(!a.trend_judged);
  BOOST_TEST(a.findings.empty());
}

BOOST_AUTO_TEST_CASE(too_few_windows_make_the_run_inconclusive_and_say_how_long) {
  // 6 h with 2 h windows after 1 h warm-up: 2 windows; alpha 0.01 needs 8.
  SawTooth s;
  s.duration_s = 6 * kHour;
  auto settings = nightly_settings();
  settings.horizon_s = 6 * kHour;
  std::vector<Point> zeros;
  for (const Point& p : saw_tooth(s)) zeros.push_back({p.t_s, 0});
  SeriesInput counter{"invariant.paper.double_closes", "paper", SeriesKind::invariant, "count", zeros, {}};
  const auto result = judge({inventory(saw_tooth(s)), counter}, settings);
  BOOST_TEST(result.bounded());
  BOOST_REQUIRE(result.inconclusive.has_value());
  BOOST_TEST(result.inconclusive->windows_seen == 2u);
  BOOST_TEST(result.inconclusive->windows_needed == 8u);
  BOOST_TEST(result.inconclusive->minimum_duration_s == 1 * kHour + 8 * 2 * kHour);
  BOOST_TEST(result.inconclusive->series ==
             std::vector<std::string>{"inventory.plans.execution_locks.entries"});
  BOOST_TEST(result.inconclusive->reason.find("needs 8") != std::string::npos, result.inconclusive->reason);
  // Long enough: conclusive. A finding is still reported when too short.
  s.duration_s = 17 * kHour;
  settings.horizon_s = 17 * kHour;
  BOOST_TEST(judge({inventory(saw_tooth(s))}, settings).conclusive());
  s.duration_s = 6 * kHour;
  settings.horizon_s = 6 * kHour;
  const auto over = judge({inventory(saw_tooth(s), 100)}, settings);
  BOOST_TEST(!over.bounded());
  BOOST_TEST(!over.conclusive());
}

// A judged figure that a running process never has at 0 (its RSS, its
// allocated bytes) and that read 0 throughout the measured phase was not
// measured: a probe that failed quietly, or a subtraction clamped at 0. Its
// flat line is no evidence of "bounded".
BOOST_AUTO_TEST_CASE(a_never_zero_series_that_read_zero_throughout_makes_the_run_inconclusive) {
  SawTooth s;
  s.duration_s = 24 * kHour;
  const auto settings = nightly_settings();
  const std::vector<Point> shape = saw_tooth(s);
  auto process_series = [&](std::function<double(const Point&)> value, bool never_zero) {
    std::vector<Point> points;
    for (const Point& p : shape) points.push_back({p.t_s, value(p)});
    SeriesInput in{"process.rss_bytes", "process", SeriesKind::process, "bytes", points, {}};
    in.never_zero = never_zero;
    return in;
  };
  const auto zero = [](const Point&) { return 0.0; };
  const auto measured = [](const Point& p) { return 1e8 + p.value; };

  const auto unmeasured = judge({inventory(shape), process_series(zero, true)}, settings);
  BOOST_TEST(unmeasured.bounded());
  BOOST_REQUIRE(unmeasured.inconclusive.has_value());
  BOOST_TEST(unmeasured.inconclusive->unmeasured == std::vector<std::string>{"process.rss_bytes"});
  BOOST_TEST(unmeasured.inconclusive->series.empty());  // enough windows: a longer run would not help
  BOOST_TEST(unmeasured.inconclusive->reason.find("process.rss_bytes") != std::string::npos,
             unmeasured.inconclusive->reason);
  BOOST_TEST(unmeasured.inconclusive->reason.find("measured nothing") != std::string::npos,
             unmeasured.inconclusive->reason);

  // Measured, or not a figure that cannot be 0, or 0 only in the warm-up: conclusive.
  BOOST_TEST(judge({inventory(shape), process_series(measured, true)}, settings).conclusive());
  BOOST_TEST(judge({inventory(shape), process_series(zero, false)}, settings).conclusive());
  const auto zero_in_warm_up = [&](const Point& p) { return p.t_s < settings.warm_up_end_s ? 0.0 : 1e8; };
  BOOST_TEST(judge({process_series(zero_in_warm_up, true)}, settings).conclusive());
  // A finding still stands.
  const auto leak = judge({inventory(shape, 100), process_series(zero, true)}, settings);
  BOOST_TEST(!leak.bounded());
  BOOST_TEST(!leak.conclusive());
}

BOOST_AUTO_TEST_CASE(absolute_tolerance_resolution) {
  VerdictSettings s;
  s.absolute_tolerance = 1;
  s.absolute_by_unit = {{"bytes", 65536}};
  s.absolute_by_prefix = {{"alloc.", 4e6}, {"alloc.jemalloc.", 8e6}};
  BOOST_TEST(absolute_tolerance_for(s, "alloc.jemalloc.active", "bytes") == 8e6);
  BOOST_TEST(absolute_tolerance_for(s, "alloc.glibc.arena", "bytes") == 4e6);
  BOOST_TEST(absolute_tolerance_for(s, "inventory.cache.bytes", "bytes") == 65536.0);
  BOOST_TEST(absolute_tolerance_for(s, "inventory.cache.entries", "entries") == 1.0);
}

// Issue 9 item 5: a prefix tolerance is written in one unit and judges only
// series of that unit; process.threads must not inherit "process."'s 8 MiB.
BOOST_AUTO_TEST_CASE(a_prefix_tolerance_applies_only_to_series_of_its_unit) {
  VerdictSettings s;
  s.absolute_tolerance = 1;
  s.absolute_by_unit = {{"bytes", 65536}, {"threads", 2}};
  s.absolute_by_prefix = {{"process.", 8 * 1048576.0}, {"process.", 5, "fds"}};
  BOOST_TEST(absolute_tolerance_for(s, "process.rss_bytes", "bytes") == 8 * 1048576.0);
  BOOST_TEST(absolute_tolerance_for(s, "process.threads", "threads") == 2.0);
  BOOST_TEST(absolute_tolerance_for(s, "process.threads.exit-retry", "threads") == 2.0);
  BOOST_TEST(absolute_tolerance_for(s, "process.fds.pipe", "fds") == 5.0);
  BOOST_TEST(absolute_tolerance_for(s, "process.open_fds", "fds") == 5.0);
  BOOST_TEST(absolute_tolerance_for(s, "process.other", "count") == 1.0);
}

BOOST_AUTO_TEST_CASE(a_thread_count_that_only_grows_fires_under_a_byte_prefix) {
  // 6 h gate-like run: one leaked thread every 10 minutes on 20 steady threads.
  auto settings = nightly_settings();
  settings.horizon_s = 6 * kHour;
  settings.window_s = 1200;
  settings.relative_tolerance = 0.1;
  settings.absolute_tolerance = 1;
  settings.absolute_by_prefix = {{"process.", 8 * 1048576.0}};
  SeriesInput threads;
  threads.name = "process.threads.exit-retry";
  threads.component = "process";
  threads.kind = SeriesKind::process;
  threads.unit = "threads";
  for (double t = 0; t <= 6 * kHour; t += 10) threads.samples.push_back({t, 20 + std::floor(t / 600)});
  const auto a = analyse_series(threads, settings);
  BOOST_TEST_INFO(describe(a));
  BOOST_TEST(a.findings.size() == 1u);
  // The same series in bytes stays under the byte tolerance: the unit decides.
  threads.unit = "bytes";
  BOOST_TEST(analyse_series(threads, settings).findings.empty());
}

BOOST_AUTO_TEST_CASE(bad_settings_and_samples_are_refused) {
  auto settings = nightly_settings();
  settings.alpha = 1.5;
  BOOST_CHECK_EXCEPTION(validate(settings), std::invalid_argument, [](const std::invalid_argument& e) {
    return std::string(e.what()).find("alpha = 1.5") != std::string::npos;
  });
  SeriesInput unsorted = inventory({{10, 1}, {0, 1}});
  BOOST_CHECK_THROW(analyse_series(unsorted, nightly_settings()), std::invalid_argument);
  SeriesInput nan = inventory({{0, std::nan("")}});
  BOOST_CHECK_THROW(analyse_series(nan, nightly_settings()), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(kind_names) {
  BOOST_TEST(to_string(FindingKind::residue) == "residue");
  BOOST_TEST((parse_series_kind("alloc") == SeriesKind::alloc));
  BOOST_TEST(!parse_series_kind("allocs").has_value());
  BOOST_TEST((series_kind_from_name("invariant.paper.double_closes") == SeriesKind::invariant));
  BOOST_TEST(!series_kind_from_name("heap.sites").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// A container whose entries come and go with the load (docs/verdict.md,
// "Load that drifts"): arrivals at a rate that may drift, each entry held
// 10-30 minutes, some share of them never let go (a leak). Sampled every
// 10 s over a gate-sized run, with the owner's cumulative arrivals counter.
namespace {

struct LoadedContainer {
  double rate_start = 0.25;  // arrivals per second at t = 0
  double rate_end = 0.25;    // ... at the end, linear in between
  double leaked_share = 0;   // of arrivals, never let go
  double counter_reset_at_s = -1;  // the arrivals counter begins again at 0 here (a restart of its owner)
  std::uint64_t seed = 1;
};

struct LoadedRun {
  std::vector<Point> entries;
  std::vector<Point> arrivals;
};

LoadedRun loaded_container(const LoadedContainer& c) {
  constexpr double kDuration = 6 * kHour;
  constexpr double kStep = 10;
  std::mt19937_64 rng(c.seed);
  std::uniform_real_distribution<double> unit(0, 1), held(600, 1800);
  std::vector<double> leaves;  // when each held entry leaves; infinity: never
  LoadedRun run;
  double counter = 0;
  for (double t = 0; t <= kDuration; t += kStep) {
    const double rate = c.rate_start + (c.rate_end - c.rate_start) * t / kDuration;
    // Poisson arrivals in this step, by inversion (rate x step is small).
    const double mean = rate * kStep;
    double p = std::exp(-mean), cumulative = p, u = unit(rng);
    int arrived = 0;
    while (u > cumulative && arrived < 100) {
      ++arrived;
      p *= mean / arrived;
      cumulative += p;
    }
    for (int i = 0; i < arrived; ++i) {
      leaves.push_back(unit(rng) < c.leaked_share ? std::numeric_limits<double>::infinity() : t + held(rng));
    }
    std::erase_if(leaves, [t](double leave) { return leave <= t; });
    if (c.counter_reset_at_s >= 0 && t >= c.counter_reset_at_s && t - kStep < c.counter_reset_at_s) counter = 0;
    counter += arrived;
    run.entries.push_back({t, static_cast<double>(leaves.size())});
    run.arrivals.push_back({t, counter});
  }
  return run;
}

SeriesInput with_arrivals(const LoadedRun& run) {
  SeriesInput in = inventory(run.entries);
  in.name = "inventory.router.order_meta.entries";
  in.arrivals = run.arrivals;
  in.arrivals_series = "health.router.submitted";
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verdict_load)

BOOST_AUTO_TEST_CASE(a_count_that_rises_with_its_loads_rate_is_not_a_leak) {
  // The rate of arrivals doubles over the run, and the count with it (about
  // 200 -> 400 entries): read on its own it fires, read per unit of load it
  // is level. Without the load reading (verdict.cc) this fails.
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const LoadedRun run = loaded_container({.rate_start = 0.15, .rate_end = 0.3, .seed = seed});
    const auto raw = analyse_series(inventory(run.entries), gate_like());
    BOOST_TEST_INFO("seed " << seed << ", raw: " << describe(raw));
    BOOST_TEST(!raw.findings.empty());

    const auto per_load = analyse_series(with_arrivals(run), gate_like());
    BOOST_TEST_INFO("seed " << seed << ", per unit of load: " << describe(per_load));
    BOOST_TEST(per_load.findings.empty());
    BOOST_TEST(per_load.growth_follows_load);
    BOOST_REQUIRE(per_load.load_adjusted_margin.has_value());
    BOOST_TEST(*per_load.load_adjusted_margin < 0.5);
    BOOST_TEST(per_load.arrivals_series == "health.router.submitted");
  }
}

BOOST_AUTO_TEST_CASE(a_leak_under_a_rising_load_still_fires) {
  // The same drift, and one arrival in twenty is never let go: it grows per
  // unit of load too, and the finding says so.
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const LoadedRun run = loaded_container({.rate_start = 0.15, .rate_end = 0.3, .leaked_share = 0.05, .seed = seed});
    const auto a = analyse_series(with_arrivals(run), gate_like());
    BOOST_TEST_INFO("seed " << seed << ": " << describe(a));
    BOOST_REQUIRE(a.findings.size() == 1u);
    BOOST_TEST(!a.growth_follows_load);
    BOOST_TEST(a.findings[0].message.find("per unit of load too") != std::string::npos);
    BOOST_TEST(a.findings[0].figure("load_adjusted_margin").value_or(0) > 1.0);
  }
}

BOOST_AUTO_TEST_CASE(a_leak_under_a_steady_load_fires_with_or_without_the_load_reading) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const LoadedRun run = loaded_container({.leaked_share = 0.05, .seed = seed});
    BOOST_TEST(analyse_series(inventory(run.entries), gate_like()).findings.size() == 1u);
    BOOST_TEST(analyse_series(with_arrivals(run), gate_like()).findings.size() == 1u);
  }
}

BOOST_AUTO_TEST_CASE(an_arrivals_counter_that_begins_again_is_read_across_its_reset) {
  // The owner restarted mid-window and its counter began again at 0: that
  // window's arrivals are what came before the reset plus what came after,
  // not a negative count, so the load reading stays (and stays level).
  const LoadedRun run = loaded_container({.counter_reset_at_s = 3 * kHour + 600, .seed = 3});
  const auto a = analyse_series(with_arrivals(run), gate_like());
  BOOST_TEST_INFO(describe(a));
  BOOST_TEST(a.findings.empty());
  BOOST_REQUIRE(a.load_adjusted_margin.has_value());
  BOOST_TEST(*a.load_adjusted_margin < 0.5);
}

BOOST_AUTO_TEST_CASE(arrivals_that_do_not_cover_the_windows_leave_the_raw_reading_alone) {
  // The counter was first read after the measured phase began: no rate for
  // the first windows, so the series is judged as it reads and says nothing
  // of a load. A leak then fires as it would without an arrivals counter.
  LoadedRun run = loaded_container({.leaked_share = 0.05, .seed = 4});
  std::erase_if(run.arrivals, [](const Point& p) { return p.t_s < 2 * kHour; });
  const auto a = analyse_series(with_arrivals(run), gate_like());
  BOOST_TEST_INFO(describe(a));
  BOOST_TEST(!a.load_adjusted_margin.has_value());
  BOOST_TEST(a.arrivals_series.empty());
  BOOST_TEST(a.findings.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(verdict_load_floor)

BOOST_AUTO_TEST_CASE(a_birth_death_counts_own_scatter_stays_within_its_tolerance) {
  // Steady load, no leak: the count scatters about sqrt(level) by chance.
  // Named as load-following, its absolute tolerance is at least
  // z(alpha) x sqrt(2 x level), and over 60 seeds it stays well inside.
  double widest = -1e300, widest_raw = -1e300;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const LoadedRun run = loaded_container({.seed = seed});
    const auto named = analyse_series(with_arrivals(run), gate_like());
    const auto raw = analyse_series(inventory(run.entries), gate_like());
    BOOST_TEST_INFO("seed " << seed << ": " << describe(named));
    BOOST_TEST(named.findings.empty());
    BOOST_REQUIRE(named.margin.has_value());
    widest = std::max(widest, *named.margin);
    if (raw.margin) widest_raw = std::max(widest_raw, *raw.margin);
  }
  BOOST_TEST_MESSAGE("birth-death count, 60 seeds: widest margin " << widest << " named, " << widest_raw << " raw");
  BOOST_TEST(widest < 0.5);
}

BOOST_AUTO_TEST_CASE(a_named_count_is_judged_against_its_own_poisson_scatter) {
  // A count of 300 at a steady arrival rate, growing by 60 over the horizon:
  // past 10% of its level, so read alone it fires. Named as load-following,
  // its absolute tolerance is z(0.001) x sqrt(2 x level) = 3.09 x sqrt(2 x
  // ~330), about 79: growth its own randomness could show, so bounded. The
  // same count growing by 240 fires, and says the floor it passed. Without
  // the floor (verdict.cc) the first check fails.
  const auto counted = [](double growth) {
    LoadedRun run;
    for (double t = 0; t <= 6 * kHour; t += 10) {
      run.entries.push_back({t, std::round(300 + growth * t / (6 * kHour) + 3 * std::sin(t / 600))});
      run.arrivals.push_back({t, 0.25 * t});
    }
    return run;
  };
  const LoadedRun small = counted(60);
  BOOST_TEST(analyse_series(inventory(small.entries), gate_like()).findings.size() == 1u);
  const auto named_small = analyse_series(with_arrivals(small), gate_like());
  BOOST_TEST_INFO(describe(named_small));
  BOOST_TEST(named_small.findings.empty());

  const auto named_large = analyse_series(with_arrivals(counted(240)), gate_like());
  BOOST_TEST_INFO(describe(named_large));
  BOOST_REQUIRE(named_large.findings.size() == 1u);
  const Finding& f = named_large.findings[0];
  const double floor = 3.090232306167813 * std::sqrt(2 * *named_large.level);
  BOOST_TEST(f.figure("count_noise_floor").value_or(0) == floor, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(f.figure("absolute_tolerance").value_or(0) == floor, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()

// Synthetic probe series for the verdict tests: an hourly-cleanup saw-tooth
// with noise, optionally on a slowly rising or stepping floor, and a
// reflected random walk. Deterministic for a given seed (own uniform draw
// from mt19937_64, whose output the standard fixes).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "soak/verdict/stats.h"
#include "soak/verdict/verdict.h"

namespace plateau::soak::testing {

inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>(rng() >> 11) * 0x1.0p-53);
}

struct SawTooth {
  double duration_s = 24 * 3600;
  double sample_interval_s = 10;
  double cleanup_period_s = 3600;
  double growth_per_period = 500;  // what accumulates between two cleanups
  double noise = 30;               // uniform in [-noise, +noise]
  std::function<double(double)> floor = [](double) { return 1000.0; };  // level left by cleanup
  std::uint64_t seed = 1;
};

inline std::vector<Point> saw_tooth(const SawTooth& s) {
  std::mt19937_64 rng(s.seed);
  std::vector<Point> points;
  for (double t = 0; t <= s.duration_s; t += s.sample_interval_s) {
    const double since_cleanup = std::fmod(t, s.cleanup_period_s);
    const double value = s.floor(t) + s.growth_per_period * since_cleanup / s.cleanup_period_s +
                         uniform(rng, -s.noise, s.noise);
    points.push_back({t, value});
  }
  return points;
}

// A random walk reflected at lo and hi, one step per sample.
inline std::vector<Point> bounded_random_walk(double lo, double hi, double step, double duration_s,
                                              double sample_interval_s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Point> points;
  double value = (lo + hi) / 2;
  for (double t = 0; t <= duration_s; t += sample_interval_s) {
    points.push_back({t, value});
    value += uniform(rng, -step, step);
    if (value > hi) value = 2 * hi - value;
    if (value < lo) value = 2 * lo - value;
  }
  return points;
}

}  // namespace plateau::soak::testing

namespace plateau::soak::testing {

// Run shapes the step tests use: the gate (6 h, 1 h warm-up, 20 min windows,
// 15 min cleanups) and the nightly (24 h, 1 h warm-up, 90 min windows,
// hourly cleanups), both sampled every 10 s.
struct RunShape {
  const char* name;
  double duration_s;
  double warm_up_s;
  double window_s;
  double cleanup_period_s;
  double alpha;
  double relative_tolerance;
};
// One analysis in a line, for the tests' failure messages: its windows,
// findings and their messages, p, projected growth and margin.
inline std::string describe(const SeriesAnalysis& a) {
  std::string text = a.name + ": " + std::to_string(a.window_minima.size()) + " windows, " +
                     std::to_string(a.findings.size()) + " findings";
  for (const auto& f : a.findings) text += "; " + f.message;
  if (a.mann_kendall) text += "; p = " + std::to_string(a.mann_kendall->p_value_upward);
  if (a.projected_growth) text += "; projected = " + std::to_string(*a.projected_growth);
  if (a.margin) text += "; margin = " + std::to_string(*a.margin);
  return text;
}

// The verdict settings of a run shape, before any tolerance by unit or prefix.
inline VerdictSettings settings_of(const RunShape& shape) {
  VerdictSettings s;
  s.warm_up_end_s = shape.warm_up_s;
  s.window_s = shape.window_s;
  s.horizon_s = shape.duration_s;
  s.alpha = shape.alpha;
  s.relative_tolerance = shape.relative_tolerance;
  return s;
}

inline constexpr RunShape kGateShape{"gate", 6 * 3600.0, 3600, 1200, 900, 0.001, 0.1};
inline constexpr RunShape kNightlyShape{"nightly", 24 * 3600.0, 3600, 5400, 3600, 0.01, 0.05};

inline constexpr double kMiB = 1024.0 * 1024.0;

// A bytes series shaped like alloc.allocated_bytes: a saw-tooth on a floor
// of 200 MiB (+8 MiB between cleanups, +-1 MiB noise) whose floor adds
// extra(t) on top.
inline std::vector<Point> bytes_series(const RunShape& shape, std::function<double(double)> extra,
                                       std::uint64_t seed) {
  SawTooth s;
  s.duration_s = shape.duration_s;
  s.cleanup_period_s = shape.cleanup_period_s;
  s.growth_per_period = 8 * kMiB;
  s.noise = 1 * kMiB;
  s.seed = seed;
  s.floor = [extra = std::move(extra)](double t) { return 200 * kMiB + extra(t); };
  return saw_tooth(s);
}

}  // namespace plateau::soak::testing

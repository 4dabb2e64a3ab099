// Synthetic probe series for the verdict tests: an hourly-cleanup saw-tooth
// with noise, optionally on a slowly rising or stepping floor, and a
// reflected random walk. Deterministic for a given seed (own uniform draw
// from mt19937_64, whose output the standard fixes).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "soak/verdict/stats.h"

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

// Time to detect: the prefix search of the trend rule at 1,440, 2,880 and
// 10,000 windows. "before" is the search the verdict used until issue 10
// (every prefix refitted from scratch, whole-run tests only, O(n^3));
// "naive" is the same search with today's rule; "incremental" is what the
// verdict runs (soak/verdict/trend_rule.h, O(n^2 log n)).
//
// Series: "late" never fires on a prefix before the last one (a full scan,
// the worst case); "leak" is a noisy linear leak (the search stops early).
// Run by hand: build/default/bin/plateau_verdict_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "soak/verdict/trend_rule.h"

namespace {

using plateau::soak::Point;
using plateau::soak::TrendRule;

std::vector<Point> series(std::size_t n, bool leak) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> noise(-1, 1);
  std::vector<Point> points;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    // late: flat noise, then the last 1% of windows climb steeply.
    const double v = leak ? 1000 + 0.05 * x + 5 * noise(rng)
                          : 1000 + 5 * noise(rng) + (x > 0.99 * n ? 50 * (x - 0.99 * n) : 0);
    points.push_back({60 * x + 30, v});
  }
  return points;
}

TrendRule rule_for(std::size_t n) { return {0.01, 0.05, 60.0 * static_cast<double>(n), 0.05, 1}; }

// The search as it was before issue 10 (soak/verdict/verdict.cc at ca91e67):
// the point estimate against the tolerances, as the rule was then.
std::optional<std::size_t> before_issue_10(std::span<const Point> points, const TrendRule& rule,
                                           std::size_t min_k, std::span<const std::uint32_t> /*one segment*/) {
  for (std::size_t k = min_k; k <= points.size(); ++k) {
    const auto prefix = points.first(k);
    std::vector<double> values;
    for (const Point& p : prefix) values.push_back(p.value);
    const auto line = plateau::soak::theil_sen(prefix);
    const auto mk = plateau::soak::mann_kendall(values);
    std::sort(values.begin(), values.end());
    const double level = k % 2 ? values[k / 2] : (values[k / 2 - 1] + values[k / 2]) / 2;
    const double projected = line.slope_per_s * rule.horizon_s;
    if (mk.p_value_upward < rule.alpha && projected > rule.absolute_tolerance &&
        projected > rule.relative_tolerance * std::abs(level)) {
      return k;
    }
  }
  return std::nullopt;
}

template <typename Search>
void run(benchmark::State& state, bool leak, Search search) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto points = series(n, leak);
  const TrendRule rule = rule_for(n);
  std::size_t found = 0;
  for (auto _ : state) {
    const auto k = search(points, rule, 4, {});
    found = k.value_or(0);
    benchmark::DoNotOptimize(found);
  }
  state.counters["windows"] = static_cast<double>(n);
  state.counters["detected_at_window"] = static_cast<double>(found);
}

void BM_before_late(benchmark::State& s) { run(s, false, before_issue_10); }
void BM_naive_late(benchmark::State& s) { run(s, false, plateau::soak::first_firing_prefix_naive); }
void BM_incremental_late(benchmark::State& s) { run(s, false, plateau::soak::first_firing_prefix); }
void BM_before_leak(benchmark::State& s) { run(s, true, before_issue_10); }
void BM_incremental_leak(benchmark::State& s) { run(s, true, plateau::soak::first_firing_prefix); }

}  // namespace

BENCHMARK(BM_before_late)->Arg(720)->Arg(1440)->Arg(2880)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_naive_late)->Arg(720)->Arg(1440)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_incremental_late)
    ->Arg(720)
    ->Arg(1440)
    ->Arg(2880)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_before_leak)->Arg(1440)->Arg(2880)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_incremental_leak)
    ->Arg(1440)
    ->Arg(2880)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

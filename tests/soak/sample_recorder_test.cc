// The sample recorder keeps memory bounded by its cells whatever the run's
// length, and what the verdict judges (window minima, the largest value, any
// non-zero value) stays exact after downsampling.
#define BOOST_TEST_MODULE soak_sample_recorder
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "soak/runner/sample_recorder.h"
#include "soak/verdict/stats.h"

using namespace plateau;
using namespace plateau::soak;

namespace {

// Feeds `passes` probe passes of three series every interval_s: a saw-tooth
// with noise (inventory), a random walk (process) and an invariant counter
// that is zero except for one pass (value 1 at pass `spike_pass`).
struct Run {
  probes::SeriesTable table;
  std::vector<std::vector<Point>> raw;  // what a recorder without limits keeps
  probes::SeriesId saw, walk, invariant;

  Run() {
    saw = table.intern("inventory.plans.entries", "entries", "plans", probes::SeriesFamily::kInventory);
    walk = table.intern("process.rss_bytes", "bytes", "process", probes::SeriesFamily::kProcess);
    invariant =
        table.intern("invariant.paper.double_close", "count", "paper", probes::SeriesFamily::kInvariant);
    raw.resize(3);
  }

  void feed(SampleRecorder& recorder, std::size_t passes, double interval_s, std::size_t spike_pass,
            std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    double level = 5e6;
    for (std::size_t i = 0; i < passes; ++i) {
      const double t_s = static_cast<double>(i) * interval_s;
      const double noise = static_cast<double>(rng() % 1000);
      level += static_cast<double>(rng() % 2001) - 1000.0;
      const double saw_value = 1000 + std::fmod(t_s, 3000.0) / 10 + noise;
      const double invariant_value = i == spike_pass ? 1 : 0;
      probes::SampleBatch batch;
      batch.samples = {
          {saw, saw_value, 5000.0}, {walk, level, std::nullopt}, {invariant, invariant_value, 0.0}};
      raw[0].push_back({t_s, saw_value});
      raw[1].push_back({t_s, level});
      raw[2].push_back({t_s, invariant_value});
      const auto at = engine::TimePoint{} +
                      std::chrono::duration_cast<engine::Duration>(std::chrono::duration<double>(t_s));
      recorder.record(at, batch, table);
    }
  }
};

double largest(const std::vector<Point>& points) {
  double m = points.front().value;
  for (const Point& p : points) m = std::max(m, p.value);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(short_runs_keep_every_sample) {
  Run run;
  SampleRecorder recorder(engine::TimePoint{}, RecorderLayout{500, WindowGrid{600, 1800, {}}, 8192});
  run.feed(recorder, 500, 10, 250, 1);
  BOOST_TEST(recorder.passes() == 500u);
  BOOST_TEST(recorder.passes_per_cell() == 1u);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& kept = recorder.series()[k].samples;
    BOOST_REQUIRE(kept.size() == run.raw[k].size());
    for (std::size_t i = 0; i < kept.size(); ++i) BOOST_TEST(kept[i].value == run.raw[k][i].value);
  }
  const std::string csv = recorder.render_csv();
  BOOST_TEST(std::count(csv.begin(), csv.end(), '\n') == 501);
}

BOOST_AUTO_TEST_CASE(memory_is_bounded_by_the_cells_not_the_duration) {
  // 30 days at 1 s is 2,592,000 passes: with 8,192 cells each series keeps
  // at most 16,384 points, and the storage reserved at the start is never
  // reallocated (the harness's own growth must not read as the engine's).
  Run run;
  const std::size_t passes = 30 * 86400;
  SampleRecorder recorder(engine::TimePoint{}, RecorderLayout{passes + 2, WindowGrid{86400, 7200, {}}, kDefaultMaxCells});
  run.feed(recorder, 1, 1, 0, 1);
  const Point* storage = recorder.series()[0].samples.data();
  const std::size_t capacity = recorder.series()[0].samples.capacity();
  BOOST_TEST(capacity <= 2 * kDefaultMaxCells + 1);
  run.raw.assign(3, {});
  // The rest of the month (the raw copies are not kept here: only sizes matter).
  std::mt19937_64 rng(3);
  for (std::size_t i = 1; i < passes; ++i) {
    probes::SampleBatch batch;
    batch.samples = {{run.saw, static_cast<double>(rng() % 100), 5000.0},
                     {run.walk, 1.0, std::nullopt},
                     {run.invariant, 0, 0.0}};
    recorder.record(engine::TimePoint{} + std::chrono::seconds(i), batch, run.table);
    BOOST_REQUIRE(recorder.cells() <= kDefaultMaxCells);
  }
  for (const RecordedSeries& s : recorder.series()) BOOST_TEST(s.samples.size() <= 2 * kDefaultMaxCells);
  BOOST_TEST(recorder.series()[0].samples.data() == storage);
  BOOST_TEST(recorder.series()[0].samples.capacity() == capacity);
  BOOST_TEST(recorder.passes_per_cell() >= 316u);
  const std::string csv = recorder.render_csv();
  BOOST_TEST(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) <= kDefaultMaxCells + 1);
}

BOOST_AUTO_TEST_CASE(window_minima_bounds_and_invariants_stay_exact) {
  // Several grids, including ones whose windows do not divide the sample
  // interval, grids with restart segments (windows restart after each
  // restart's warm-up), and caps small enough to merge many times; each
  // keeps at least 8 cells per window, as validation guarantees
  // (kMaxVerdictWindows).
  struct Grid {
    double warm_up_end_s, window_s, interval_s;
    std::size_t max_cells;
    std::vector<double> restarts_s;
  };
  for (const Grid& g : {Grid{1000, 3600, 10, 1024, {}}, Grid{333.3, 1234.5, 7, 2048, {}}, Grid{0, 600, 1, 1024, {}},
                        Grid{50000, 2000, 3, 512, {}}, Grid{1000, 3600, 10, 1024, {150000, 260123.5}},
                        Grid{333.3, 1234.5, 7, 2048, {100000.7}}}) {
    BOOST_TEST_CONTEXT("grid " << g.warm_up_end_s << "/" << g.window_s << "/" << g.interval_s) {
      Run run;
      const std::size_t passes = 40000;
      SampleRecorder recorder(engine::TimePoint{},
                              RecorderLayout{passes, WindowGrid{g.warm_up_end_s, g.window_s, g.restarts_s}, g.max_cells});
      run.feed(recorder, passes, g.interval_s, 31337, 7);
      BOOST_TEST(recorder.passes_per_cell() > 1u);  // it did downsample
      for (std::size_t k = 0; k < 3; ++k) {
        const auto& kept = recorder.series()[k].samples;
        BOOST_TEST(kept.size() < run.raw[k].size() / 4);
        BOOST_TEST(std::is_sorted(kept.begin(), kept.end(),
                                  [](const Point& a, const Point& b) { return a.t_s < b.t_s; }));
        BOOST_TEST(largest(kept) == largest(run.raw[k]));
        const WindowGrid grid{g.warm_up_end_s, g.window_s, g.restarts_s};
        const auto exact = window_minima(run.raw[k], grid);
        const auto down = window_minima(kept, grid);
        if (!g.restarts_s.empty()) {  // every segment holds windows on this grid
          BOOST_TEST(exact.back().segment == g.restarts_s.size());
        }
        // Every complete window of the raw series has the same minimum, at
        // the same time; downsampling may only change whether the trailing
        // partial window counts (docs/scenario.md, "Limits").
        BOOST_REQUIRE(down.size() + 1 >= exact.size());
        for (std::size_t w = 0; w + 1 < exact.size(); ++w) {
          BOOST_TEST(down[w].start_s == exact[w].start_s);
          BOOST_TEST(down[w].value == exact[w].value);
          BOOST_TEST(down[w].min_t_s == exact[w].min_t_s);
        }
      }
      BOOST_TEST(recorder.cells() <= g.max_cells);
      // The one non-zero invariant sample survives.
      BOOST_TEST(largest(recorder.series()[2].samples) == 1.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(more_windows_than_cells_still_bounds_memory) {
  // Validation rules this grid out; the recorder still keeps its bound.
  Run run;
  SampleRecorder recorder(engine::TimePoint{}, RecorderLayout{20000, WindowGrid{0, 50, {}}, 64});
  run.feed(recorder, 20000, 1, 5, 2);
  BOOST_TEST(recorder.cells() <= 64u);
  for (const RecordedSeries& s : recorder.series()) BOOST_TEST(s.samples.size() <= 128u);
  BOOST_TEST(largest(recorder.series()[2].samples) == 1.0);
}

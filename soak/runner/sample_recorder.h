// SampleRecorder: keeps every probe sample of a run, per series, for the
// verdict and the report, and renders them as series.csv.
//
// The soak loop only records (measure, analyse, present are separate): each
// probe pass appends one point per sampled series. Series are keyed by the
// probes' SeriesId (dense, stable for the registry's life), so a pass costs a
// vector append per sample and no string work. The declared bound a series
// reported is kept at its largest (bounds grow as symbols appear and fall
// when delisted symbols' state goes).
//
// Thread safety: none; the harness's run thread only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/clock.h"
#include "probes/registry.h"
#include "probes/series.h"
#include "soak/verdict/stats.h"

namespace plateau::soak {

struct RecordedSeries {
  probes::SeriesInfo info;
  std::vector<Point> samples;  // t_s = virtual seconds since the run's start
  std::optional<double> bound;  // the largest declared bound
  bool bound_varied = false;    // the declared bound changed during the run
};

class SampleRecorder {
 public:
  // `expected_passes` sizes (and touches) each series' storage when it first
  // appears, so recording neither allocates nor faults in pages afterwards:
  // the harness shares the process with the engine, and its own growth must
  // not read as the engine's (allocator or RSS).
  SampleRecorder(engine::TimePoint run_start, std::size_t expected_passes)
      : run_start_(run_start), expected_passes_(expected_passes) {
    times_.resize(expected_passes_);
    times_.clear();
  }

  void record(engine::TimePoint now, const probes::SampleBatch& batch, const probes::SeriesTable& table);

  const std::vector<RecordedSeries>& series() const noexcept { return series_; }
  std::size_t passes() const noexcept { return times_.size(); }

  // Wide CSV: a header `t_s,<series...>` in first-seen order, then one row per
  // pass; a series not sampled in a pass leaves its cell empty.
  std::string render_csv() const;

 private:
  engine::TimePoint run_start_;
  std::size_t expected_passes_;
  std::vector<RecordedSeries> series_;  // index = SeriesId
  std::vector<bool> present_;
  std::vector<double> times_;
};

}  // namespace plateau::soak

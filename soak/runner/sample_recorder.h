// SampleRecorder: keeps the probe samples of a run, per series, for the
// verdict and the report, in memory bounded by a fixed number of cells, not
// by the run's declared duration, and renders them as series.csv.
//
// The soak loop only records (measure, analyse, present are separate): each
// probe pass appends one point per sampled series. Series are keyed by the
// probes' SeriesId (dense, stable for the registry's life), so a pass costs a
// vector append per sample and no string work. The declared bound a series
// reported is kept at its largest (bounds grow as symbols appear and fall
// when delisted symbols' state goes).
//
// Bounded memory: passes are grouped into at most `max_cells` cells of
// consecutive passes. A cell keeps, per series, only its minimum and its
// maximum sample (each with its true time, in time order; one point when
// they coincide). While a run has fewer passes than max_cells every cell is
// one pass and nothing is lost. When the cells run out, neighbouring cells
// are merged pairwise and each new cell takes twice as many passes. Cells
// never span two verdict windows (the grid of RecorderLayout, the verdict's
// own), so what the verdict judges stays exact:
//   - each window's minimum (the trend's input) is the minimum of its cells;
//   - the largest value (bound checks) and any non-zero value (invariants,
//     residue) are kept.
// What is lost past max_cells passes: the samples between each cell's
// minimum and maximum, so the time a bound was first exceeded can be
// reported late by up to one cell, and series.csv holds one row per cell
// (its first pass's time and each series' minimum) instead of one per pass.
// Memory: at most 2 * max_cells points (16 bytes each) per series plus
// max_cells cells (32 bytes), reserved (and touched) when a series first
// appears, so recording neither allocates nor faults pages in later: the
// harness shares the process with the engine, and its own growth must not
// read as the engine's (allocator or RSS).
//
// Thread safety: none; the harness's run thread only.
// Invariants: samples of a series are in time order; no cell spans two
// verdict windows; cells() <= max_cells after every record().
#pragma once

#include <cstddef>
#include <cstdint>
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
  std::vector<Point> samples;   // t_s = virtual seconds since the run's start
  std::optional<double> bound;  // the largest declared bound
  bool bound_varied = false;    // the declared bound changed during the run
};

// 8,192 cells: a nightly day at 10 s (8,640 passes) is downsampled only in
// its last hours, a 30-day run at 1 s keeps ~316-pass cells; at most 256 KiB
// per series whatever the duration. Must stay >= 8 * kMaxVerdictWindows
// (soak/scenario) so that merging within windows always frees cells.
inline constexpr std::size_t kDefaultMaxCells = 8192;

struct RecorderLayout {
  std::size_t expected_passes = 0;  // sizing hint: reserve no more than this
  // The verdict's window grid (soak::window_grid(settings)): its warm-up,
  // windows and restart segments; window_s <= 0: none.
  WindowGrid grid;
  std::size_t max_cells = kDefaultMaxCells;  // >= 2
};

class SampleRecorder {
 public:
  SampleRecorder(engine::TimePoint run_start, const RecorderLayout& layout);

  void record(engine::TimePoint now, const probes::SampleBatch& batch, const probes::SeriesTable& table);

  const std::vector<RecordedSeries>& series() const noexcept { return series_; }
  std::size_t passes() const noexcept { return passes_; }
  std::size_t cells() const noexcept { return cells_.size(); }
  // Passes a cell takes before a new one opens: 1 until the first merge.
  std::size_t passes_per_cell() const noexcept { return passes_per_cell_; }

  // Wide CSV: a header `t_s,<series...>` in first-seen order, then one row
  // per cell (per pass until the first merge) at its first pass's time, each
  // value the series' minimum in the cell; a series not sampled in a cell
  // leaves it empty.
  std::string render_csv() const;

 private:
  struct Cell {
    double t_first_s = 0;
    double t_last_s = 0;
    std::size_t passes = 0;
    std::int64_t window = 0;  // -1: warm-up
  };
  struct OpenCell {
    std::uint64_t serial = 0;  // the cell the series' trailing points belong to
    std::size_t begin = 0;     // index of its first point in samples
  };

  std::int64_t window_of(double t_s) const;
  void open_cell(double t_s, std::int64_t window);
  void compact();
  std::size_t reserved_points() const;

  engine::TimePoint run_start_;
  RecorderLayout layout_;
  std::vector<RecordedSeries> series_;  // index = SeriesId
  std::vector<bool> present_;
  std::vector<OpenCell> open_;  // index = SeriesId
  std::vector<Cell> cells_;
  std::size_t passes_ = 0;
  std::size_t passes_per_cell_ = 1;
  std::uint64_t cell_serial_ = 0;  // bumped by every new cell and every merge
};

}  // namespace plateau::soak

#include "soak/runner/sample_recorder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace plateau::soak {
namespace {

// Reduces points[begin, end) (time order) to its minimum and maximum, each
// the earliest on ties, written back in time order from `out`. Returns the
// number written (1 or 2). out <= begin, so it works in place.
std::size_t keep_min_and_max(std::vector<Point>& points, std::size_t begin, std::size_t end,
                             std::size_t out) {
  std::size_t lo = begin;
  std::size_t hi = begin;
  for (std::size_t i = begin + 1; i < end; ++i) {
    if (points[i].value < points[lo].value) lo = i;
    if (points[i].value > points[hi].value) hi = i;
  }
  const Point first = points[std::min(lo, hi)];
  const Point second = points[std::max(lo, hi)];
  points[out] = first;
  if (lo == hi) return 1;
  points[out + 1] = second;
  return 2;
}

}  // namespace

SampleRecorder::SampleRecorder(engine::TimePoint run_start, const RecorderLayout& layout)
    : run_start_(run_start), layout_(layout) {
  if (layout_.max_cells < 2) throw std::invalid_argument("SampleRecorder: max_cells must be at least 2");
  cells_.reserve(std::min(layout_.max_cells, layout_.expected_passes + 2));
}

std::size_t SampleRecorder::reserved_points() const {
  // +1: a cell briefly holds a third point before it keeps two.
  return std::min(2 * layout_.max_cells + 1, layout_.expected_passes + 2);
}

// The verdict's own assignment (soak/verdict/stats.h window_slot), one id
// per segment's warm-up and per window of a segment, so no cell spans two.
std::int64_t SampleRecorder::window_of(double t_s) const {
  if (!(layout_.grid.window_s > 0)) return 0;
  const WindowSlot slot = window_slot(layout_.grid, t_s);
  return static_cast<std::int64_t>(slot.segment) * (std::int64_t{1} << 40) + slot.window;
}

void SampleRecorder::open_cell(double t_s, std::int64_t window) {
  if (cells_.size() >= layout_.max_cells) compact();
  cells_.push_back(Cell{t_s, t_s, 0, window});
  ++cell_serial_;
}

void SampleRecorder::record(engine::TimePoint now, const probes::SampleBatch& batch,
                            const probes::SeriesTable& table) {
  const double t_s = engine::to_seconds(now - run_start_);
  const std::int64_t window = window_of(t_s);
  if (cells_.empty() || cells_.back().passes >= passes_per_cell_ || cells_.back().window != window) {
    open_cell(t_s, window);
  }
  Cell& cell = cells_.back();
  cell.t_last_s = t_s;
  ++cell.passes;
  ++passes_;
  for (const probes::Sample& sample : batch.samples) {
    if (sample.series >= series_.size()) {
      // Room for the series the probes add later (new containers) as well.
      const std::size_t size = std::max<std::size_t>(sample.series + 1, 2 * series_.size());
      series_.reserve(size);
      open_.reserve(size);
      series_.resize(sample.series + 1);
      open_.resize(sample.series + 1);
      present_.resize(sample.series + 1, false);
    }
    RecordedSeries& s = series_[sample.series];
    if (!present_[sample.series]) {
      s.info = table.info(sample.series);
      // Written once now, so its pages are resident from the start too: the
      // process's RSS must not grow as the run fills them.
      s.samples.resize(reserved_points());
      s.samples.clear();
      present_[sample.series] = true;
    }
    OpenCell& open = open_[sample.series];
    const Point point{t_s, sample.value};
    if (open.serial != cell_serial_ || s.samples.empty()) {
      open = OpenCell{cell_serial_, s.samples.size()};
      s.samples.push_back(point);
    } else {
      // The cell already holds this series' min and max: keep two of three.
      s.samples.push_back(point);
      const std::size_t kept = keep_min_and_max(s.samples, open.begin, s.samples.size(), open.begin);
      s.samples.resize(open.begin + kept);
    }
    if (sample.bound) {
      if (s.bound && *s.bound != *sample.bound) s.bound_varied = true;
      // The largest bound seen: a total over the symbols held grows as symbols
      // appear and falls when a delisted symbol's state goes; judged against
      // the bound of the moment it fell to, every earlier sample would be "over".
      s.bound = s.bound ? std::max(*s.bound, *sample.bound) : *sample.bound;
    }
  }
}

void SampleRecorder::compact() {
  // Repeat while merging frees too little (window boundaries stop merges).
  // Merging across windows is the last resort, for a grid with more windows
  // than max_cells / 2: validation (kMaxVerdictWindows) keeps a run from it,
  // and memory stays bounded even so.
  bool across_windows = false;
  while (cells_.size() > layout_.max_cells / 2) {
    const std::size_t before = cells_.size();
    std::size_t out = 0;
    for (std::size_t i = 0; i < before;) {
      Cell merged = cells_[i];
      if (i + 1 < before && (across_windows || cells_[i + 1].window == merged.window)) {
        merged.t_last_s = cells_[i + 1].t_last_s;
        merged.passes += cells_[i + 1].passes;
        if (cells_[i + 1].window != merged.window) merged.window = cells_[i + 1].window;
        i += 2;
      } else {
        i += 1;
      }
      cells_[out++] = merged;
    }
    cells_.resize(out);
    if (out == before) {
      across_windows = true;
      continue;
    }
    passes_per_cell_ = std::min<std::size_t>(passes_per_cell_ * 2, std::size_t{1} << 40);
    // Each series: group its points by the new cells, keep min and max.
    for (std::size_t id = 0; id < series_.size(); ++id) {
      if (!present_[id]) continue;
      std::vector<Point>& points = series_[id].samples;
      std::size_t write = 0;
      std::size_t c = 0;
      for (std::size_t read = 0; read < points.size();) {
        while (c + 1 < cells_.size() && points[read].t_s > cells_[c].t_last_s) ++c;
        std::size_t end = read + 1;
        while (end < points.size() && points[end].t_s <= cells_[c].t_last_s) ++end;
        write += keep_min_and_max(points, read, end, write);
        read = end;
      }
      points.resize(write);
    }
  }
  ++cell_serial_;  // every series' trailing points now belong to a merged cell
}

namespace {

void append_number(std::string& out, double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec == std::errc()) out.append(buffer, end);
}

void append_csv_field(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string SampleRecorder::render_csv() const {
  std::string out = "t_s";
  std::vector<std::size_t> columns;
  for (std::size_t id = 0; id < series_.size(); ++id) {
    if (!present_[id]) continue;
    columns.push_back(id);
    out += ',';
    append_csv_field(out, series_[id].info.name);
  }
  out += '\n';
  // Each series' samples are in time order: walk them with one cursor each.
  std::vector<std::size_t> cursor(series_.size(), 0);
  for (const Cell& cell : cells_) {
    append_number(out, cell.t_first_s);
    for (std::size_t id : columns) {
      out += ',';
      const auto& samples = series_[id].samples;
      std::size_t& c = cursor[id];
      bool any = false;
      double lowest = 0;
      for (; c < samples.size() && samples[c].t_s <= cell.t_last_s; ++c) {
        if (!any || samples[c].value < lowest) lowest = samples[c].value;
        any = true;
      }
      if (any) append_number(out, lowest);
    }
    out += '\n';
  }
  return out;
}

}  // namespace plateau::soak

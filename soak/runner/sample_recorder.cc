#include "soak/runner/sample_recorder.h"

#include <charconv>
#include <algorithm>
#include <cstdio>

namespace plateau::soak {

void SampleRecorder::record(engine::TimePoint now, const probes::SampleBatch& batch,
                            const probes::SeriesTable& table) {
  const double t_s = engine::to_seconds(now - run_start_);
  times_.push_back(t_s);
  for (const probes::Sample& sample : batch.samples) {
    if (sample.series >= series_.size()) {
      // Room for the series the probes add later (new containers) as well.
      const std::size_t size = std::max<std::size_t>(sample.series + 1, 2 * series_.size());
      series_.reserve(size);
      series_.resize(sample.series + 1);
      present_.resize(sample.series + 1, false);
    }
    RecordedSeries& s = series_[sample.series];
    if (!present_[sample.series]) {
      s.info = table.info(sample.series);
      // Written once now, so its pages are resident from the start too: the
      // process's RSS must not grow as the run fills them.
      s.samples.resize(expected_passes_ > times_.size() ? expected_passes_ - times_.size() + 1 : 1);
      s.samples.clear();
      present_[sample.series] = true;
    }
    s.samples.push_back(Point{t_s, sample.value});
    if (sample.bound) {
      if (s.bound && *s.bound != *sample.bound) s.bound_varied = true;
      // The largest bound seen: a total over the symbols held grows as symbols
      // appear and falls when a delisted symbol's state goes; judged against
      // the bound of the moment it fell to, every earlier sample would be "over".
      s.bound = s.bound ? std::max(*s.bound, *sample.bound) : *sample.bound;
    }
  }
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
  for (double t : times_) {
    append_number(out, t);
    for (std::size_t id : columns) {
      out += ',';
      const auto& samples = series_[id].samples;
      std::size_t& c = cursor[id];
      if (c < samples.size() && samples[c].t_s == t) {
        append_number(out, samples[c].value);
        ++c;
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace plateau::soak

#include "soak/watch/proc_sampler.h"

#include <algorithm>
#include <cmath>

#include "probes/process_groups.h"
#include "probes/process_probe.h"

namespace plateau::soak::watch {

ProcSampler::ProcSampler(int pid, std::size_t max_keys)
    : proc_dir_("/proc/" + std::to_string(pid)), max_keys_(max_keys) {}

std::size_t ProcSampler::index_of(const std::string& name, const std::string& unit, bool judged) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return it->second;
  WatchSeries s;
  s.name = name;
  s.unit = unit;
  s.judged = judged;
  s.values.assign(times_.size(), 0.0);  // back-fill: absent so far
  series_.push_back(std::move(s));
  by_name_.emplace(name, series_.size() - 1);
  return series_.size() - 1;
}

void ProcSampler::put_keyed(const std::string& prefix, const std::string& unit,
                            const std::map<std::string, std::uint64_t>& counts, std::size_t& keys_used,
                            std::vector<double>& row) {
  for (const auto& [key, count] : counts) {
    std::string name = prefix + key;
    if (by_name_.count(name) == 0) {
      // The last free key slot is kept for "other".
      if (keys_used + 1 >= max_keys_) {
        name = prefix + "other";
      } else {
        ++keys_used;
      }
    }
    const std::size_t i = index_of(name, unit, true);
    if (row.size() <= i) row.resize(i + 1, 0.0);
    row[i] += static_cast<double>(count);
  }
}

void ProcSampler::sample(double t_s) {
  // Read everything first: a process gone mid-pass records nothing.
  const probes::ProcessFigures f = probes::read_process_figures(proc_dir_);
  const auto rollup = probes::read_smaps_rollup(proc_dir_);
  const auto threads = probes::thread_groups(proc_dir_);
  const auto fds = probes::fd_groups(proc_dir_);

  std::vector<double> row(series_.size(), 0.0);
  auto put = [&](const char* name, const char* unit, bool judged, double value) {
    const std::size_t i = index_of(name, unit, judged);
    if (row.size() <= i) row.resize(i + 1, 0.0);
    row[i] = value;
  };
  put("process.rss_bytes", "bytes", true, static_cast<double>(f.rss_bytes));
  if (rollup) {
    put("process.pss_bytes", "bytes", true, static_cast<double>(rollup->pss_bytes));
    put("process.anon_bytes", "bytes", true, static_cast<double>(rollup->anon_bytes));
  }
  put("process.hwm_bytes", "bytes", false, static_cast<double>(f.hwm_bytes));
  put("process.threads", "threads", true, static_cast<double>(f.threads));
  put("process.open_fds", "fds", true, static_cast<double>(f.open_fds));
  put_keyed(std::string(probes::kThreadGroupPrefix), "threads", threads, thread_keys_, row);
  put_keyed(std::string(probes::kFdGroupPrefix), "fds", fds, fd_keys_, row);

  if (bucket_s_ > 0 && !times_.empty() && bucket_of(t_s) > bucket_of(times_.front())) compact_before(t_s);
  times_.push_back(t_s);
  ++passes_;
  row.resize(series_.size(), 0.0);
  for (std::size_t i = 0; i < series_.size(); ++i) series_[i].values.push_back(row[i]);
}

double ProcSampler::bucket_of(double t_s) const { return std::floor((t_s - origin_s_) / bucket_s_); }

// Reduces every recent pass of a bucket earlier than t_s's to that bucket's
// min and max per series.
void ProcSampler::compact_before(double t_s) {
  const double current = bucket_of(t_s);
  std::size_t end = 0;
  while (end < times_.size() && bucket_of(times_[end]) < current) ++end;
  if (end == 0) return;
  for (WatchSeries& s : series_) {
    for (std::size_t from = 0; from < end;) {
      const double bucket = bucket_of(times_[from]);
      std::size_t to = from, lo = from, hi = from;
      for (; to < end && bucket_of(times_[to]) == bucket; ++to) {
        if (s.values[to] < s.values[lo]) lo = to;
        if (s.values[to] > s.values[hi]) hi = to;
      }
      const std::size_t first = std::min(lo, hi), second = std::max(lo, hi);
      s.compacted.push_back({times_[first], s.values[first]});
      if (second != first) s.compacted.push_back({times_[second], s.values[second]});
      from = to;
    }
    s.values.erase(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(end));
  }
  times_.erase(times_.begin(), times_.begin() + static_cast<std::ptrdiff_t>(end));
}

std::vector<std::pair<double, double>> ProcSampler::points(std::size_t i) const {
  const WatchSeries& s = series_.at(i);
  std::vector<std::pair<double, double>> out;
  out.reserve(s.compacted.size() + s.values.size());
  for (const WatchSeries::Kept& k : s.compacted) out.emplace_back(k.t_s, k.value);
  for (std::size_t r = 0; r < s.values.size(); ++r) out.emplace_back(times_[r], s.values[r]);
  return out;
}

std::size_t ProcSampler::storage_bytes() const noexcept {
  std::size_t bytes = times_.capacity() * sizeof(double);
  for (const WatchSeries& s : series_) {
    bytes += s.values.capacity() * sizeof(double) + s.compacted.capacity() * sizeof(WatchSeries::Kept);
  }
  return bytes;
}

}  // namespace plateau::soak::watch

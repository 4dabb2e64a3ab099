// ProcSampler: samples one process's /proc figures into named series, for
// `plateau watch`.
//
// Series (docs/watch.md): process.rss_bytes, process.pss_bytes,
// process.anon_bytes (smaps_rollup), process.hwm_bytes (recorded, not
// judged: a high-water mark never falls), process.threads, process.open_fds,
// process.threads.<group> and process.fds.<group>, named by the one rule of
// engine runs (probes/process_groups.h: threads by name, fds by target with
// digits folded and the watch's out folder as "[out]"), and capped at
// max_keys per kind: keys beyond the
// cap are counted under "other", so a run's series count is bounded. A key
// absent in a pass counts 0 (a thread name that disappeared has no
// threads); a key first seen late is back-filled with 0.
//
// Storage: recent passes are columnar (one time column, one double per
// series per pass). With compaction on (compact(origin_s, bucket_s)), every
// completed bucket of the grid origin_s + k * bucket_s is reduced, per
// series, to its minimum and maximum sample (in time order). The verdict
// judges window minima and the maximum, so with buckets that tile the
// windows (bucket = window / n, origin = warm-up end) the verdict is exactly
// the same as on every sample, and memory grows with the number of buckets,
// not of passes: a week at 1 s is as cheap as an hour. Charts keep the
// min/max envelope. Thread safety: one thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace plateau::soak::watch {

struct WatchSeries {
  std::string name;
  std::string unit;  // bytes | threads | fds
  bool judged = true;
  std::vector<double> values;  // one per recent pass, aligned with ProcSampler::times()
  struct Kept {
    double t_s, value;
  };
  std::vector<Kept> compacted;  // min and max of each completed bucket, before the recent passes
};

class ProcSampler {
 public:
  ProcSampler(int pid, std::size_t max_keys);
  // One pass at t_s (seconds since the watch started). Throws
  // probes::ProcessGone when the process has exited; nothing is recorded then.
  void sample(double t_s);

  // Turns compaction on (see above); bucket_s > 0.
  void compact(double origin_s, double bucket_s) noexcept {
    origin_s_ = origin_s;
    bucket_s_ = bucket_s;
  }
  const std::vector<double>& times() const noexcept { return times_; }  // recent passes
  const std::vector<WatchSeries>& series() const noexcept { return series_; }
  std::size_t passes() const noexcept { return passes_; }
  // Every kept point of series i (compacted buckets, then recent passes).
  std::vector<std::pair<double, double>> points(std::size_t i) const;
  // Bytes held by the recorded samples (capacity), for the memory figure.
  std::size_t storage_bytes() const noexcept;

 private:
  std::size_t index_of(const std::string& name, const std::string& unit, bool judged);
  void put_keyed(const std::string& prefix, const std::string& unit,
                 const std::map<std::string, std::uint64_t>& counts, std::size_t& keys_used,
                 std::vector<double>& row);

  void compact_before(double t_s);
  double bucket_of(double t_s) const;

  std::string proc_dir_;
  double origin_s_ = 0, bucket_s_ = 0;
  std::size_t passes_ = 0;
  std::size_t max_keys_;
  std::size_t thread_keys_ = 0, fd_keys_ = 0;
  std::vector<double> times_;
  std::vector<WatchSeries> series_;
  std::map<std::string, std::size_t> by_name_;
};

}  // namespace plateau::soak::watch

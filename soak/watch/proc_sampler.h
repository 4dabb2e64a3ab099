// ProcSampler: samples one process's /proc figures into named series, for
// `plateau watch`.
//
// Series (docs/watch.md): process.rss_bytes, process.pss_bytes,
// process.anon_bytes (smaps_rollup), process.hwm_bytes (recorded, not
// judged: a high-water mark never falls), process.threads, process.open_fds,
// process.threads.by_name.<name> and process.fds.by_target.<target>.
// The by-name / by-target keys are normalised (probes::thread_name_key,
// probes::fd_target_key) and capped at max_keys per kind: keys beyond the
// cap are counted under "other", so a run's series count is bounded. A key
// absent in a pass counts 0 (a thread name that disappeared has no
// threads); a key first seen late is back-filled with 0.
//
// Storage is columnar: one time column and one double per series per pass
// (8 * (1 + series) bytes a pass), no per-sample allocation once vectors
// have grown. Thread safety: one thread.
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
  std::vector<double> values;  // one per pass, aligned with ProcSampler::times()
};

class ProcSampler {
 public:
  ProcSampler(int pid, std::size_t max_keys);
  // One pass at t_s (seconds since the watch started). Throws
  // probes::ProcessGone when the process has exited; nothing is recorded then.
  void sample(double t_s);

  const std::vector<double>& times() const noexcept { return times_; }
  const std::vector<WatchSeries>& series() const noexcept { return series_; }
  // Bytes held by the recorded samples (capacity), for the memory figure.
  std::size_t storage_bytes() const noexcept;

 private:
  std::size_t index_of(const std::string& name, const std::string& unit, bool judged);
  void put_keyed(const std::string& prefix, const std::string& unit,
                 const std::map<std::string, std::uint64_t>& counts, std::size_t& keys_used,
                 std::vector<double>& row);

  std::string proc_dir_;
  std::size_t max_keys_;
  std::size_t thread_keys_ = 0, fd_keys_ = 0;
  std::vector<double> times_;
  std::vector<WatchSeries> series_;
  std::map<std::string, std::size_t> by_name_;
};

}  // namespace plateau::soak::watch

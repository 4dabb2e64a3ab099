// ProcSampler: samples a process tree's /proc figures into named series,
// for `plateau watch`.
//
// By default (tree on) every figure is the total over the root pid(s) and
// all their live descendants (soak/watch/process_tree.h), re-discovered on
// every pass; processes that come and go are summed while alive. PSS sums
// right (shared pages are split between their users); RSS summed counts a
// page shared by N processes N times, so with the tree on and PSS readable
// process.rss_bytes is recorded but not judged (process.pss_bytes and
// process.anon_bytes are). process.processes counts the tree's processes,
// zombies included, and process.processes.<comm> names them (a zombie as
// "zombie:<comm>"). Tree off: the root pid only, as before (rss judged).
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

#include "soak/watch/process_tree.h"

namespace plateau::soak::watch {

struct WatchSeries {
  std::string name;
  std::string unit;  // bytes | threads | fds | processes
  bool judged = true;
  // A figure a live process never has at 0 (resident and anonymous bytes,
  // threads): read as 0 throughout the measured phase, the reading failed,
  // and the verdict is inconclusive (SeriesInput::never_zero).
  bool never_zero = false;
  std::vector<double> values;  // one per recent pass, aligned with ProcSampler::times()
  struct Kept {
    double t_s, value;
  };
  std::vector<Kept> compacted;  // min and max of each completed bucket, before the recent passes
};

class ProcSampler {
 public:
  ProcSampler(int pid, std::size_t max_keys, bool tree = true);
  // One pass at t_s (seconds since the watch started). Throws
  // probes::ProcessGone when no process of the tree is alive (tree off: when
  // the root has exited); nothing is recorded then.
  void sample(double t_s);
  // The roots of the tree from the next pass on (launch mode adds the
  // target's orphans, which plateau adopts as a child subreaper).
  void set_roots(std::vector<int> roots) { roots_ = std::move(roots); }
  // The members of the tree at the last pass.
  const std::vector<TreeMember>& last_tree() const noexcept { return last_tree_; }
  // Processes of the tree whose figures could not be read (another user's).
  std::size_t unreadable_processes() const noexcept { return unreadable_; }
  // Per comm, anonymous bytes are remembered at the first pass at or after
  // origin_s and at the last pass: the comm that grew the most, its growth
  // in bytes; empty when the tree only ever had one comm or nothing grew.
  void set_growth_origin(double origin_s) noexcept { growth_origin_s_ = origin_s; }
  std::pair<std::string, double> top_growing_comm() const;
  // Passes in which every live process of the tree was stopped (state T:
  // SIGSTOP, SIGTSTP, SIGTTIN): a stopped program cannot grow.
  std::size_t stopped_passes() const noexcept { return stopped_passes_; }
  // The same, and all passes, counted from the growth origin (the warm-up's end) on.
  std::size_t stopped_passes_judged() const noexcept { return stopped_judged_; }
  std::size_t passes_judged() const noexcept { return passes_judged_; }
  // Whether a process of this comm was ever in the tree.
  bool saw_comm(const std::string& comm) const { return comms_seen_.count(comm) > 0; }
  // Distinct comms seen in the tree so far.
  std::size_t comms_seen() const noexcept { return comms_seen_.size(); }

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
  std::size_t index_of(const std::string& name, const std::string& unit, bool judged, bool never_zero = false);
  void put_keyed(const std::string& prefix, const std::string& unit,
                 const std::map<std::string, std::uint64_t>& counts, std::size_t& keys_used,
                 std::vector<double>& row);

  void compact_before(double t_s);
  double bucket_of(double t_s) const;

  std::string proc_dir_;
  std::vector<int> roots_;
  bool tree_;
  std::vector<TreeMember> last_tree_;
  std::size_t unreadable_ = 0;
  std::size_t stopped_passes_ = 0, stopped_judged_ = 0, passes_judged_ = 0;
  double growth_origin_s_ = 0;
  bool growth_base_set_ = false;
  std::map<std::string, double> anon_base_, anon_last_;
  std::map<std::string, bool> comms_seen_;
  double origin_s_ = 0, bucket_s_ = 0;
  std::size_t passes_ = 0;
  std::size_t max_keys_;
  std::size_t thread_keys_ = 0, fd_keys_ = 0, process_keys_ = 0;
  std::vector<double> times_;
  std::vector<WatchSeries> series_;
  std::map<std::string, std::size_t> by_name_;
};

}  // namespace plateau::soak::watch

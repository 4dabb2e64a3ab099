#include "soak/watch/proc_sampler.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "probes/process_groups.h"
#include "probes/process_probe.h"

namespace plateau::soak::watch {

ProcSampler::ProcSampler(int pid, std::size_t max_keys, bool tree)
    : proc_dir_("/proc/" + std::to_string(pid)), roots_{pid}, tree_(tree), max_keys_(max_keys) {}

std::size_t ProcSampler::index_of(const std::string& name, const std::string& unit, bool judged, bool never_zero) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return it->second;
  WatchSeries s;
  s.name = name;
  s.unit = unit;
  s.judged = judged;
  s.never_zero = never_zero;
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
  if (!tree_) {
    // The root only; read everything first: a process gone mid-pass records nothing.
    TreeMember root;
    if (!read_member(roots_.front(), root)) root.pid = roots_.front();
    last_tree_.assign(1, root);
  } else {
    last_tree_ = walk_tree(roots_);
  }
  probes::ProcessFigures total;
  std::optional<probes::MemoryRollup> rollup;
  std::map<std::string, std::uint64_t> threads, fds, processes;
  std::map<std::string, double> anon_by_comm;
  std::size_t alive = 0, unreadable = 0, stopped = 0;
  for (const TreeMember& m : last_tree_) {
    const std::string group = probes::thread_group_of(m.comm.empty() ? "unnamed" : m.comm);
    comms_seen_[group] = true;
    if (m.zombie()) {
      ++processes["zombie:" + group];
      continue;
    }
    const std::string dir = "/proc/" + std::to_string(m.pid);
    probes::ProcessFigures f;
    std::optional<probes::MemoryRollup> r;
    std::map<std::string, std::uint64_t> t, d;
    try {
      f = probes::read_process_figures(dir);
      r = probes::read_smaps_rollup(dir);
      t = probes::thread_groups(dir);
      d = probes::fd_groups(dir);
    } catch (const probes::ProcessGone&) {
      if (!tree_) throw;
      continue;  // exited between the walk and the read: not alive this pass
    } catch (const std::exception&) {
      // Not ours to read (another user's process, e.g. a setuid helper): it
      // is counted as a process, its figures are missing.
      if (!tree_) throw;
      ++processes[group];
      ++unreadable;
      continue;
    }
    ++alive;
    if (m.state == 'T' || m.state == 't') ++stopped;
    ++processes[group];
    total.rss_bytes += f.rss_bytes;
    total.hwm_bytes += f.hwm_bytes;
    total.threads += f.threads;
    total.open_fds += f.open_fds;
    if (r) {
      if (!rollup) rollup.emplace();
      rollup->rss_bytes += r->rss_bytes;
      rollup->pss_bytes += r->pss_bytes;
      rollup->anon_bytes += r->anon_bytes;
      anon_by_comm[group] += static_cast<double>(r->anon_bytes);
    }
    for (const auto& [k, v] : t) threads[k] += v;
    for (const auto& [k, v] : d) fds[k] += v;
  }
  if (alive == 0 && unreadable == 0) {
    throw probes::ProcessGone(proc_dir_ + (tree_ ? " and its descendants are gone" : " is gone"));
  }
  unreadable_ = std::max(unreadable_, unreadable);
  const bool all_stopped = alive > 0 && stopped == alive;
  if (all_stopped) ++stopped_passes_;
  if (t_s >= growth_origin_s_) {
    ++passes_judged_;
    if (all_stopped) ++stopped_judged_;
  }
  if (t_s >= growth_origin_s_) {
    if (!growth_base_set_) {
      anon_base_ = anon_by_comm;
      growth_base_set_ = true;
    }
    anon_last_ = std::move(anon_by_comm);
  }

  std::vector<double> row(series_.size(), 0.0);
  auto put = [&](const char* name, const char* unit, bool judged, double value, bool never_zero = false) {
    const std::size_t i = index_of(name, unit, judged, never_zero);
    if (row.size() <= i) row.resize(i + 1, 0.0);
    row[i] = value;
  };
  // Summed RSS double-counts shared pages: judged only when PSS is missing.
  put("process.rss_bytes", "bytes", !tree_ || !rollup, static_cast<double>(total.rss_bytes), true);
  if (rollup) {
    put("process.pss_bytes", "bytes", true, static_cast<double>(rollup->pss_bytes), true);
    put("process.anon_bytes", "bytes", true, static_cast<double>(rollup->anon_bytes), true);
  }
  put("process.hwm_bytes", "bytes", false, static_cast<double>(total.hwm_bytes));
  put("process.threads", "threads", true, static_cast<double>(total.threads), true);
  put("process.open_fds", "fds", true, static_cast<double>(total.open_fds));
  if (tree_) {
    std::uint64_t count = 0;
    for (const auto& [k, v] : processes) count += v;
    put("process.processes", "processes", true, static_cast<double>(count));
  }
  put_keyed(std::string(probes::kThreadGroupPrefix), "threads", threads, thread_keys_, row);
  put_keyed(std::string(probes::kFdGroupPrefix), "fds", fds, fd_keys_, row);
  if (tree_) put_keyed(std::string(probes::kProcessGroupPrefix), "processes", processes, process_keys_, row);

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

std::pair<std::string, double> ProcSampler::top_growing_comm() const {
  std::pair<std::string, double> best{"", 0.0};
  if (comms_seen_.size() < 2) return best;
  for (const auto& [comm, last] : anon_last_) {
    const auto base = anon_base_.find(comm);
    const double growth = last - (base == anon_base_.end() ? 0.0 : base->second);
    if (growth > best.second) best = {comm, growth};
  }
  return best;
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

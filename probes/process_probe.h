// ProcessProbe: process-wide figures from /proc/self.
//
// Publishes process.rss_bytes (resident set, from /proc/self/statm),
// as of the last pass after which allocator_rss_is_live() (every pass on
// tcmalloc and system builds; on jemalloc the passes right after a purge,
// at most a virtual minute apart; it then also publishes every pass's
// reading as process.rss_raw_bytes, context),
// process.hwm_bytes (peak resident set: getrusage's ru_maxrss, the kernel's
// VmHWM, without generating all of /proc/self/status),
// process.open_fds (entries of /proc/self/fd) and process.threads (field 20 of
// /proc/self/stat). The /proc files and the fd directory are kept open and
// re-read from offset 0 (pread, lseek + getdents64), so a pass costs a few
// small reads, one getrusage and one directory listing, no path lookups. The
// probe's own four descriptors are left out of process.open_fds.
//
// Threads and descriptors are also published per group (process_groups.h),
// so a thread or fd leak names what leaked: process.threads.<name> (unit
// threads; /proc/self/task/*/comm, digits folded to '#') and
// process.fds.<target> (unit fds; "socket", "pipe", "anon_inode:[...]",
// "memfd:<name>" or the file path from readlink /proc/self/fd/*), at most 16
// groups each, the rest in ".other". A pass then also lists
// /proc/self/task, reads one comm file per thread and one readlink per
// descriptor.
// A failed read throws std::runtime_error naming the file and errno.
// The free functions at the end read any process by its /proc directory
// (pid-generalised, for `plateau watch`): memory rollup, threads by name,
// descriptors by target, with keys of bounded cardinality.
//
// Thread safety: one thread samples a ProcessProbe at a time.
// read_process_figures() is safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>

#include "probes/probe.h"
#include "probes/proc_read.h"
#include "probes/group_counter.h"

namespace plateau::probes {

// ProcessFigures and read_process_figures() (this process, opened afresh,
// for tests and one-off reports): probes/proc_read.h.

class ProcessProbe final : public Probe {
 public:
  ProcessProbe();
  ~ProcessProbe() override;
  ProcessProbe(const ProcessProbe&) = delete;
  ProcessProbe& operator=(const ProcessProbe&) = delete;

  std::string_view name() const noexcept override { return "process"; }
  void sample(engine::TimePoint now, SampleWriter& out) override;
  ProcessFigures read();

 private:
  void close_all() noexcept;
  void count_thread_groups();
  void count_fd_groups();

  int statm_fd_ = -1;
  int stat_fd_ = -1;
  int fd_dir_fd_ = -1;
  int task_dir_fd_ = -1;
  GroupCounter thread_groups_{std::string(kThreadGroupPrefix), "threads"};
  GroupCounter fd_groups_{std::string(kFdGroupPrefix), "fds"};
  bool interned_ = false;
  SeriesId rss_ = 0, hwm_ = 0, fds_ = 0, threads_ = 0;
  bool rss_raw_interned_ = false;
  SeriesId rss_raw_ = 0;  // process.rss_raw_bytes: every pass's reading (jemalloc builds)
  std::optional<std::uint64_t> last_live_rss_bytes_;
};

// --- Any process, by its /proc directory ("/proc/1234", "/proc/self") ---
// Used by `plateau watch` on another process. Each call opens the files
// afresh (the target may exit between two passes). A process that vanished
// (or a zombie that has no memory any more) throws ProcessGone; any other
// failure throws std::runtime_error naming the file and errno.

// ProcessGone: probes/proc_read.h.

// rss (statm), hwm (VmHWM of status), open fds, threads (stat) of proc_dir.
// Unlike read_process_figures(), nothing of the caller's is subtracted.
ProcessFigures read_process_figures(const std::string& proc_dir);

// smaps_rollup: resident, proportional (shared pages split between their
// users) and anonymous (heap, stacks: what a leak grows) bytes. nullopt when
// the kernel has no smaps_rollup (before 4.14) or it may not be read.
struct MemoryRollup {
  std::uint64_t rss_bytes = 0;
  std::uint64_t pss_bytes = 0;
  std::uint64_t anon_bytes = 0;
};
std::optional<MemoryRollup> read_smaps_rollup(const std::string& proc_dir);

// Thread and descriptor groups of any process: probes/process_groups.h
// (thread_groups, fd_groups), the one rule for engine runs and watch.

}  // namespace plateau::probes

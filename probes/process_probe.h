// ProcessProbe: process-wide figures from /proc/self.
//
// Publishes process.rss_bytes (resident set, from /proc/self/statm),
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
//
// Thread safety: one thread samples a ProcessProbe at a time.
// read_process_figures() is safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "probes/probe.h"
#include "probes/process_groups.h"

namespace plateau::probes {

struct ProcessFigures {
  std::uint64_t rss_bytes = 0;
  std::uint64_t hwm_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t threads = 0;
};

// One reading, opening the files afresh (for tests and one-off reports).
ProcessFigures read_process_figures();

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
  GroupCounter thread_groups_{"process.threads.", "threads"};
  GroupCounter fd_groups_{"process.fds.", "fds"};
  bool interned_ = false;
  SeriesId rss_ = 0, hwm_ = 0, fds_ = 0, threads_ = 0;
};

}  // namespace plateau::probes

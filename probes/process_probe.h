// ProcessProbe: process-wide figures from /proc/self.
//
// Publishes process.rss_bytes (resident set, from /proc/self/statm),
// process.hwm_bytes (peak resident set: getrusage's ru_maxrss, the kernel's
// VmHWM, without generating all of /proc/self/status),
// process.open_fds (entries of /proc/self/fd) and process.threads (field 20 of
// /proc/self/stat). The /proc files and the fd directory are kept open and
// re-read from offset 0 (pread, lseek + getdents64), so a pass costs a few
// small reads, one getrusage and one directory listing, no path lookups. The
// probe's own three descriptors are left out of process.open_fds.
// A failed read throws std::runtime_error naming the file and errno.
//
// Thread safety: one thread samples a ProcessProbe at a time.
// read_process_figures() is safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "probes/probe.h"

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

  int statm_fd_ = -1;
  int stat_fd_ = -1;
  int fd_dir_fd_ = -1;
  bool interned_ = false;
  SeriesId rss_ = 0, hwm_ = 0, fds_ = 0, threads_ = 0;
};

}  // namespace plateau::probes
